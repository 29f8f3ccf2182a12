using System.Text;
using MFuser.Edge.FieldLog.Mcap;

namespace MFuser.Edge.FieldLog.Tests.Mcap;

/// <summary>The MCAP writer read back by our strict reader and by @mcap/core.</summary>
public sealed class McapWriterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-mcap-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes <paramref name="count"/> messages round-robin on three channels (one schemaless) and returns
    /// the path and the per-topic counts.</summary>
    private string Write(int count, int chunkSize, out Dictionary<string, int> perTopic, int padding = 50)
    {
        var path = Path.Combine(_dir, $"test-{chunkSize}.mcap");
        perTopic = new Dictionary<string, int> { ["/a"] = 0, ["/b"] = 0, ["/raw"] = 0 };
        using var w = new McapWriter(File.Create(path), new McapWriterOptions { ChunkSize = chunkSize });
        var schema = w.AddSchema("test.Value", "jsonschema", """{"type":"object","properties":{"i":{"type":"integer"}}}"""u8);
        var a = w.AddChannel("/a", "json", schema, new Dictionary<string, string> { ["unit"] = "none" });
        var b = w.AddChannel("/b", "json", schema);
        var raw = w.AddChannel("/raw", "json", 0);
        var ids = new[] { a, b, raw };
        var topics = new[] { "/a", "/b", "/raw" };
        for (var i = 0; i < count; i++)
        {
            var t = 1_700_000_000_000_000_000UL + (ulong)i * 1_000_000;
            w.WriteMessage(ids[i % 3], t, t, Encoding.UTF8.GetBytes($$"""{"i":{{i}},"pad":"{{new string('x', i % padding)}}"}"""));
            perTopic[topics[i % 3]]++;
        }
        return path;
    }

    [Theory]
    [InlineData(4096)] // many chunks
    [InlineData(0)] // unchunked
    public void Round_trip_with_our_reader(int chunkSize)
    {
        var path = Write(1000, chunkSize, out var perTopic);
        var file = McapReader.Read(path);
        Assert.Equal("mfuser-edge", file.Library);
        Assert.Equal(3, file.Channels.Count);
        Assert.Equal(1000, file.Messages.Count);
        foreach (var (topic, n) in perTopic)
            Assert.Equal(n, file.On(topic).Count());
        Assert.Equal(Enumerable.Range(0, 334).Select(i => (uint)i), file.On("/a").Select(m => m.Sequence));
        Assert.Contains("\"i\":999", Encoding.UTF8.GetString(file.Messages[^1].Data));
        Assert.Equal("none", file.Channels.Single(c => c.Topic == "/a").Metadata["unit"]);
        Assert.Equal(1000UL, file.Statistics!.MessageCount);
        if (chunkSize > 0)
        {
            Assert.True(file.ChunkCount > 5, $"expected several chunks, got {file.ChunkCount}");
            Assert.Equal(1000, file.IndexedMessageCount);
        }
        else
            Assert.Equal(0, file.ChunkCount);
    }

    [Fact]
    public void A_flipped_bit_in_a_chunk_fails_its_crc()
    {
        var path = Write(200, 4096, out _);
        var bytes = File.ReadAllBytes(path);
        bytes[200] ^= 0x01; // inside the first chunk's records
        var e = Assert.Throws<InvalidDataException>(() => McapReader.Read(bytes));
        Assert.Contains("CRC", e.Message);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    public void An_unfinished_file_yields_its_complete_chunks_and_nothing_torn(double keep)
    {
        var path = Write(1000, 4096, out _);
        var bytes = File.ReadAllBytes(path);
        var cut = bytes[..(int)(bytes.Length * keep)]; // the writer killed: no summary, no footer, a chunk cut short
        Assert.Throws<InvalidDataException>(() => McapReader.Read(cut));
        var file = McapReader.ReadUnfinished(cut);
        Assert.False(file.Finished);
        Assert.Null(file.Statistics);
        var all = McapReader.Read(bytes).Messages;
        Assert.InRange(file.Messages.Count, 1, all.Count - 1);
        // A prefix of the stream, byte for byte: nothing from the torn chunk, nothing invented.
        Assert.Equal(all.Take(file.Messages.Count).Select(m => Encoding.UTF8.GetString(m.Data)),
            file.Messages.Select(m => Encoding.UTF8.GetString(m.Data)));
        var finishedToo = McapReader.ReadFinishedOrNot(path);
        Assert.True(finishedToo.Finished);
    }

    [Fact]
    public void A_topic_filter_keeps_only_its_messages_checks_the_whole_file_and_copies_no_records()
    {
        var path = Write(300, 64 << 10, out var perTopic, padding: 4000);
        var bytes = File.ReadAllBytes(path);
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var file = McapReader.Read(bytes, new HashSet<string> { "/a" });
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.Equal(perTopic["/a"], file.Messages.Count);
        Assert.All(file.Messages, m => Assert.Equal(file.Channels.Single(c => c.Topic == "/a").Id, m.ChannelId));
        Assert.Equal(300UL, file.Statistics!.MessageCount); // the statistics check counted every message
        Assert.Equal(3, file.Channels.Count);
        // The kept third of the payloads, not copies of the chunks and records (which cost several times the file).
        Assert.True(allocated < bytes.Length / 2, $"{allocated} bytes allocated to read {bytes.Length} bytes for one topic in three");

        var last = Array.FindLastIndex(bytes, b => b == (byte)'x'); // inside the last chunk's records, whatever their topic
        bytes[last] ^= 0x01;
        Assert.Contains("CRC", Assert.Throws<InvalidDataException>(() => McapReader.Read(bytes, new HashSet<string> { "/a" })).Message);
    }

    [Theory]
    [InlineData(4096)]
    [InlineData(0)]
    public void The_independent_reader_counts_the_same(int chunkSize)
    {
        var path = Write(1000, chunkSize, out var perTopic);
        var summary = McapJs.Summarize(path);
        Assert.Equal(1000, summary.GetProperty("streamedMessages").GetInt32());
        Assert.Equal(1000, summary.GetProperty("statisticsMessageCount").GetInt32());
        Assert.True(summary.GetProperty("footer").GetBoolean());
        Assert.True(summary.GetProperty("streamDone").GetBoolean());
        Assert.Equal("mfuser-edge", summary.GetProperty("header").GetProperty("library").GetString());
        var channels = summary.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("topic").GetString()!, c => c);
        Assert.Equal(perTopic.Keys.Order(), channels.Keys.Order());
        if (chunkSize > 0)
        {
            Assert.Equal(1000, summary.GetProperty("indexedMessages").GetInt32());
            Assert.True(summary.GetProperty("ordered").GetBoolean());
            foreach (var (topic, n) in perTopic)
                Assert.Equal(n, channels[topic].GetProperty("messages").GetInt32());
            Assert.True(summary.GetProperty("chunks").GetInt32() > 5);
        }
        Assert.Equal("test.Value", channels["/a"].GetProperty("schema").GetString());
        Assert.Equal("jsonschema", channels["/a"].GetProperty("schemaEncoding").GetString());
    }
}
