using MFuser.Edge.FieldLog.Recording;

namespace MFuser.Edge.FieldLog.Tests.Recording;

/// <summary>The pre-trigger ring's time and byte bounds.</summary>
public sealed class PreTriggerRingTests
{
    private static RecorderItem Item(long ms, int bytes) =>
        new(ItemKind.Data, FieldLogChannel.CameraJpeg, ms * 1_000_000, RecorderItem.Rent(new byte[bytes]), bytes, null);

    [Fact]
    public void Entries_older_than_the_span_leave_first()
    {
        var ring = new PreTriggerRing(TimeSpan.FromSeconds(1), maxBytes: 1 << 20);
        for (var ms = 0; ms <= 3000; ms += 100)
            ring.Add(Item(ms, 10));
        Assert.Equal(11, ring.Count); // 2.0 … 3.0 s
        Assert.Equal(2000L * 1_000_000, ring.FirstTime);
        Assert.Equal(110, ring.Bytes);
    }

    [Fact]
    public void The_byte_bound_drops_the_oldest_but_never_the_newest_entry()
    {
        var ring = new PreTriggerRing(TimeSpan.FromSeconds(10), maxBytes: 250);
        for (var ms = 0; ms < 5; ms++)
            ring.Add(Item(ms, 100));
        Assert.Equal(2, ring.Count);
        // An entry larger than the bound stays (the writer still writes it after adding it to the ring).
        ring.Add(Item(10, 1000));
        Assert.Equal(1, ring.Count);
        Assert.Equal(1000, ring.Bytes);
        ring.Clear();
        Assert.Equal(0, ring.Count);
        Assert.Null(ring.LastTime);
    }
}
