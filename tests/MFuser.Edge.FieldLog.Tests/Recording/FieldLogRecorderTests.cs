using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.FieldLog.Tests.Mcap;
using static MFuser.Edge.FieldLog.Tests.Recording.SyntheticStream;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.FieldLog.Tests.Recording;

/// <summary>The episode recorder on a synthetic 10 Hz stream (camera, labels, drivable, signals, GPS).</summary>
public sealed class FieldLogRecorderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-fieldlog-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FieldLogOptions Options(long quota = 64 << 20, long maxFile = 16 << 20, int chunk = 16 << 10, int frameQueue = 1024) => new()
    {
        Directory = _dir,
        QuotaBytes = quota,
        MaxFileBytes = maxFile,
        ChunkSize = chunk,
        MinFreeBytes = 0,
        PreTrigger = TimeSpan.FromSeconds(2),
        PostTrigger = TimeSpan.FromSeconds(1),
        QueueCapacity = frameQueue,
    };

    [Fact]
    public async Task An_episode_file_holds_the_pre_trigger_ring_the_episode_and_the_post_trigger_time()
    {
        var expected = new Dictionary<string, long>();
        await using (var r = new FieldLogRecorder(Options()))
        {
            r.Start();
            for (var i = 0; i < 120; i++)
            {
                var fed = Feed(r, i).ToList();
                // Recorded: from 2 s before the new (t = 5.0 s) to 1 s after the end (t = 8.0 s), both inclusive.
                if (i is >= 30 and <= 90)
                    foreach (var topic in fed)
                        expected[topic] = expected.GetValueOrDefault(topic) + 1;
                if (i == 50)
                    Episode(r, Event(EpisodeEventKind.New, "0193abcdef0123456789", 0, i));
                if (i == 65)
                    Episode(r, Event(EpisodeEventKind.Update, "0193abcdef0123456789", 1, i));
                if (i == 80)
                    Episode(r, Event(EpisodeEventKind.End, "0193abcdef0123456789", 2, i));
            }
            await r.FlushAsync();
            Assert.Equal(0, r.Counters.DroppedQueueFull);
        }
        expected["/domain_shift/events"] = 3;

        var path = Assert.Single(Directory.GetFiles(_dir, "*.mcap"));
        Assert.Contains("episode-0193abcdef01", path);
        var ours = McapReader.Read(path);
        var counts = ours.Channels.ToDictionary(c => c.Topic, c => (long)ours.Messages.Count(m => m.ChannelId == c.Id));
        Assert.Equal(expected.OrderBy(p => p.Key), counts.OrderBy(p => p.Key));

        var image = JsonDocument.Parse(ours.On("/camera/image").First().Data).RootElement;
        Assert.Equal("jpeg", image.GetProperty("format").GetString());
        Assert.Equal(Jpeg(30, 2000), image.GetProperty("data").GetBytesFromBase64());
        Assert.Equal((T0 + TimeSpan.FromSeconds(3)).ToUnixTimeSeconds(), image.GetProperty("timestamp").GetProperty("sec").GetInt64());
        var fix = JsonDocument.Parse(ours.On("/gps").First().Data).RootElement;
        Assert.Equal(48.1 + 30 * 1e-5, fix.GetProperty("latitude").GetDouble(), 9);
        Assert.Equal(9, fix.GetProperty("position_covariance").GetArrayLength());
        Assert.Equal("foxglove.LocationFix", ours.Schemas.Single(s => ours.Channels.Single(c => c.Topic == "/gps").SchemaId == s.Id).Name);
        var events = ours.On("/domain_shift/events").Select(m => JsonDocument.Parse(m.Data).RootElement.GetProperty("event").GetString());
        Assert.Equal(["new", "update", "end"], events);

        var js = McapJs.Summarize(path);
        var jsCounts = js.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("topic").GetString()!,
            c => (long)c.GetProperty("messages").GetInt32());
        Assert.Equal(expected.OrderBy(p => p.Key), jsCounts.OrderBy(p => p.Key));
        var jsChannels = js.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("topic").GetString()!);
        Assert.Equal("foxglove.CompressedImage", jsChannels["/camera/image"].GetProperty("schema").GetString());
        // Every foxglove.* message satisfies Foxglove's published schema.
        Assert.Equal(0, js.GetProperty("schemaErrors").GetArrayLength());
        var validated = jsChannels.ToDictionary(c => c.Key, c => (long)c.Value.GetProperty("validated").GetInt32());
        Assert.Equal(expected["/camera/image"], validated["/camera/image"]);
        Assert.Equal(expected["/segmentation/labels"], validated["/segmentation/labels"]);
        Assert.Equal(expected["/gps"], validated["/gps"]);
    }

    [Fact]
    public async Task A_log_flood_never_exceeds_the_quota_and_the_oldest_episodes_go_first()
    {
        const long quota = 3 << 20;
        var totals = new List<long>();
        FieldLogCounters counters;
        List<FieldLogFile> finished;
        await using (var r = new FieldLogRecorder(Options(quota: quota, maxFile: 1 << 20, chunk: 64 << 10)))
        {
            r.Start();
            var i = 0;
            for (var episode = 0; episode < 10; episode++)
            {
                var id = $"ep{episode:D2}-0000000000000";
                for (var k = 0; k < 50; k++, i++) // 5 s per episode at 20 KB frames: ~1 MB with the ring
                {
                    foreach (var _ in Feed(r, i, jpegSize: 20_000)) { }
                    if (k == 20)
                        Episode(r, Event(EpisodeEventKind.New, id, 0, i));
                    if (k == 35)
                        Episode(r, Event(EpisodeEventKind.End, id, 1, i));
                    if (k % 10 == 0)
                    {
                        await r.FlushAsync();
                        totals.Add(Directory.GetFiles(_dir, "*.mcap").Sum(f => new FileInfo(f).Length));
                    }
                }
            }
            await r.FlushAsync();
            counters = r.Counters;
            Assert.True(counters.WriteErrors == 0, r.LastError);
            finished = r.Files.ToList();
        }
        totals.Add(Directory.GetFiles(_dir, "*.mcap").Sum(f => new FileInfo(f).Length));

        Assert.True(totals.Max() <= quota, $"the log directory reached {totals.Max()} bytes, quota {quota}");
        Assert.True(totals.Max() > quota / 2, $"the flood should come near the quota, peaked at {totals.Max()}");
        var summary = $"{counters}; files: {string.Join(", ", finished.Select(f => $"{Path.GetFileName(f.Path)} {f.Bytes}"))}";
        Assert.True(counters.FilesDeletedForQuota > 0, summary);
        Assert.True(counters.QuotaStops == 0, summary);
        Assert.True(finished.Count >= 10, summary);
        // What survives is the newest files, in order; everything older was deleted.
        var left = Directory.GetFiles(_dir, "*.mcap").Select(f => Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToList();
        var newest = finished.Select(f => Path.GetFileName(f.Path)).TakeLast(left.Count).ToList();
        Assert.Equal(newest, left);
        Assert.Contains("ep09", left[^1]);
        foreach (var f in Directory.GetFiles(_dir, "*.mcap"))
            Assert.True(McapReader.Read(f).Messages.Count > 0);
    }

    [Fact]
    public async Task Manual_recording_and_a_snapshot_write_their_own_files()
    {
        FieldLogFile? snapshot;
        await using (var r = new FieldLogRecorder(Options()))
        {
            r.Start();
            for (var i = 0; i <= 10; i++)
                foreach (var _ in Feed(r, i)) { }
            r.SetRecording(true); // ring: t = 0 … 1.0 s
            for (var i = 11; i <= 30; i++)
                foreach (var _ in Feed(r, i)) { }
            r.SetRecording(false);
            for (var i = 31; i <= 50; i++)
                foreach (var _ in Feed(r, i)) { }
            snapshot = await r.Snapshot("cmd 42"); // ring: t = 3.0 … 5.0 s
            await r.FlushAsync();
        }
        var manual = McapReader.Read(Assert.Single(Directory.GetFiles(_dir, "*-manual.mcap")));
        Assert.Equal(31, manual.On("/camera/image").Count());
        Assert.NotNull(snapshot);
        Assert.EndsWith("snapshot-cmd_42.mcap", snapshot.Path);
        var snap = McapReader.Read(snapshot.Path);
        Assert.Equal(21, snap.On("/camera/image").Count());
        Assert.Equal(21, snapshot.MessagesPerTopic["/camera/image"]);
    }

    [Fact]
    public async Task A_recording_whose_folder_was_deleted_starts_again_in_a_recreated_folder()
    {
        FieldLogCounters counters;
        await using (var r = new FieldLogRecorder(Options()))
        {
            r.Start();
            r.SetRecording(true);
            FeedRange(r, 0, 5, jpegSize: 10_000);
            await r.FlushAsync();
            Directory.Delete(_dir, recursive: true); // an operator cleaning up, or a card remounted
            FeedRange(r, 6, 45, jpegSize: 10_000); // past the 256 KiB quota check, which finds the folder gone
            await r.FlushAsync();
            Assert.Equal(1, r.Counters.WriteErrors);
            Assert.False(r.Counters.Recording);
            await Task.Delay(RecorderLoop.RetryAfterError + TimeSpan.FromMilliseconds(300));
            FeedRange(r, 46, 50, jpegSize: 10_000);
            await r.FlushAsync();
            counters = r.Counters;
        }
        Assert.True(counters.Recording, "manual recording is on again");
        var file = McapReader.Read(Assert.Single(Directory.GetFiles(_dir, "*-manual.mcap")));
        Assert.Contains(file.On("/camera/image"), m => m.LogTime == (ulong)RecorderItem.Nanoseconds(Stamp(50).CapturedAt));
    }

    [Fact]
    public async Task A_full_queue_drops_and_counts_instead_of_waiting()
    {
        await using var r = new FieldLogRecorder(Options(frameQueue: 4));
        r.Start();
        r.SetRecording(true); // every frame goes to disk: the writer is slower than the loop below
        var big = new byte[256 << 10];
        int accepted = 0, refused = 0;
        for (var i = 0; i < 400; i++)
            if (r.Frame(Stamp(i), big))
                accepted++;
            else
                refused++;
        await r.FlushAsync();
        Assert.True(refused > 0, "a 4-entry queue should overflow under 400 quarter-megabyte frames");
        Assert.Equal(refused, r.Counters.DroppedQueueFull);
        Assert.Equal(accepted, r.Counters.MessagesWritten);
    }
}
