using System.Text;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>The disk spool on its own: order, acknowledgement, recovery after a restart or a torn write, the bound.</summary>
public sealed class DiskSpoolTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mfuser-spool-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private DiskSpool Open(long maxBytes = 1 << 20, long segmentBytes = 4096) =>
        new(new DiskSpoolOptions { Directory = _dir, MaxBytes = maxBytes, SegmentBytes = segmentBytes });

    private static MustDeliverMessage Message(int i, int size = 40) =>
        new($"t/{i % 3}", Encoding.UTF8.GetBytes($"{{\"event_id\":{i}}}".PadRight(size)), Retain: i % 5 == 0);

    private static List<string> Drain(DiskSpool spool, int max = int.MaxValue)
    {
        var seen = new List<string>();
        while (seen.Count < max && spool.TryPeek(out var m))
        {
            seen.Add($"{m.Topic}|{Encoding.UTF8.GetString(m.Payload)}|{m.Retain}");
            spool.RemoveOldest();
        }
        return seen;
    }

    private static string Expected(int i) => $"{Message(i).Topic}|{Encoding.UTF8.GetString(Message(i).Payload)}|{Message(i).Retain}";

    [Fact]
    public void Peek_repeats_the_oldest_until_it_is_removed_in_order()
    {
        using var spool = Open();
        for (var i = 0; i < 10; i++)
            Assert.True(spool.TryAdd(Message(i)));
        Assert.True(spool.TryPeek(out var a));
        Assert.True(spool.TryPeek(out var b));
        Assert.Equal(a.Payload, b.Payload);
        Assert.Equal(Enumerable.Range(0, 10).Select(Expected), Drain(spool));
        Assert.Equal(0, spool.Count);
        Assert.False(spool.TryPeek(out _));
    }

    [Fact]
    public void A_write_that_fails_refuses_that_message_and_the_spool_goes_on()
    {
        using var spool = Open(segmentBytes: 4096);
        Assert.True(spool.TryAdd(Message(0, size: 3000)));
        // The next message needs a new segment file; with the folder gone its creation fails (as a full disk, a
        // read-only remount or an immutable file would fail the write).
        Directory.Move(_dir, _dir + ".away");
        try
        {
            Assert.False(spool.TryAdd(Message(1, size: 3000)));
        }
        finally
        {
            Directory.Move(_dir + ".away", _dir);
        }
        Assert.Equal(1, spool.Refused);
        Assert.True(spool.TryAdd(Message(2, size: 3000)));
        var seen = Drain(spool);
        Assert.Equal(2, seen.Count);
        Assert.Contains("\"event_id\":0", seen[0]);
        Assert.Contains("\"event_id\":2", seen[1]);
    }

    [Fact]
    public void Survives_a_restart_across_segments_and_acknowledgements_persist()
    {
        using (var spool = Open())
        {
            for (var i = 0; i < 300; i++) // ~58 bytes each: several 4 KiB segments
                Assert.True(spool.TryAdd(Message(i)));
            Assert.True(Directory.GetFiles(_dir, "*.seg").Length >= 4, "expected several segment files");
            Assert.Equal(Enumerable.Range(0, 120).Select(Expected), Drain(spool, 120));
        }
        using (var spool = Open())
        {
            Assert.Equal(180, spool.Recovered);
            Assert.Equal(0, spool.TornRecords);
            Assert.True(spool.TryAdd(Message(300)));
            Assert.Equal(Enumerable.Range(120, 181).Select(Expected), Drain(spool));
        }
        using (var spool = Open())
        {
            Assert.Equal(0, spool.Recovered);
            Assert.True(spool.Bytes < 64 << 10, $"a drained spool keeps {spool.Bytes} bytes");
        }
    }

    [Fact]
    public void A_torn_append_is_cut_off_and_the_records_before_it_survive()
    {
        using (var spool = Open(segmentBytes: 1 << 20))
            for (var i = 0; i < 5; i++)
                spool.TryAdd(Message(i));
        var segment = Directory.GetFiles(_dir, "*.seg").Select(f => new FileInfo(f)).Where(f => f.Length > 0).Single();
        var full = segment.Length;
        using (var f = new FileStream(segment.FullName, FileMode.Open))
            f.SetLength(full - 7); // crash in the middle of the last append
        using (var spool = Open())
        {
            Assert.Equal(4, spool.Recovered);
            Assert.Equal(1, spool.TornRecords);
            Assert.Equal(Enumerable.Range(0, 4).Select(Expected), Drain(spool));
        }
    }

    [Fact]
    public void A_corrupt_cursor_slot_falls_back_to_the_previous_position()
    {
        using (var spool = Open())
        {
            for (var i = 0; i < 6; i++)
                spool.TryAdd(Message(i));
            Drain(spool, 3);
        }
        // The last cursor write (generation g in slot g % 2) is torn: the older slot names one message earlier.
        var cursor = File.ReadAllBytes(Path.Combine(_dir, "cursor"));
        var g0 = BitConverter.ToInt64(cursor, 0);
        var g1 = BitConverter.ToInt64(cursor, 32);
        cursor[(g0 > g1 ? 0 : 32) + 10] ^= 0xFF;
        File.WriteAllBytes(Path.Combine(_dir, "cursor"), cursor);
        using (var spool = Open())
            Assert.Equal(Enumerable.Range(2, 4).Select(Expected), Drain(spool)); // one redelivery, nothing lost
    }

    [Fact]
    public void When_full_new_messages_are_refused_and_the_bound_holds()
    {
        const long max = 16 << 10;
        using var spool = Open(maxBytes: max, segmentBytes: 4096);
        var accepted = 0;
        for (var i = 0; i < 1000; i++)
            if (spool.TryAdd(Message(i, size: 200)))
                accepted++;
        Assert.InRange(accepted, 60, 80); // 16 KiB / ~216 bytes per record
        Assert.Equal(1000 - accepted, spool.Refused);
        var onDisk = Directory.GetFiles(_dir, "*.seg").Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk <= max, $"segments hold {onDisk} bytes, bound {max}");
        Assert.Equal(onDisk, spool.Bytes);
        // The accepted ones are the oldest, gap-free; after draining, new ones are accepted again.
        var drained = Drain(spool);
        Assert.Equal(Enumerable.Range(0, accepted).Select(i => Message(i, 200)).Select(m => $"{m.Topic}|{Encoding.UTF8.GetString(m.Payload)}|{m.Retain}"), drained);
        Assert.True(spool.TryAdd(Message(5000, size: 200)));
    }

    [Fact]
    public void Bad_options_are_rejected_with_the_key()
    {
        var e = Assert.Throws<ArgumentException>(() => new DiskSpool(new DiskSpoolOptions { Directory = _dir, MaxBytes = 1000, SegmentBytes = 4096 }));
        Assert.Contains("max_bytes", e.Message);
    }
}
