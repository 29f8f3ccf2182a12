using MFuser.Edge.Web.Feed;

namespace MFuser.Edge.Web.Tests.Feed;

public class PayloadSlotTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 16, 2, 48, 123, TimeSpan.Zero);

    [Fact]
    public void Empty_slot_gives_an_empty_lease()
    {
        var slot = new PayloadSlot();
        using var lease = slot.Acquire();
        Assert.False(lease.HasValue);
        Assert.Equal(0, slot.Version);
        Assert.Equal(0, slot.BuffersAlive);
    }

    [Fact]
    public void Keeps_a_copy_of_the_newest_payload_with_its_frame()
    {
        var slot = new PayloadSlot();
        var data = new byte[] { 1, 2, 3 };
        slot.Publish(data, 7, At, 100);
        data[0] = 99;
        slot.Publish(new byte[] { 4, 5 }, 8, At.AddSeconds(1), 200);
        using var lease = slot.Acquire();
        Assert.Equal(new byte[] { 4, 5 }, lease.Memory.ToArray());
        Assert.Equal(8, lease.Frame);
        Assert.Equal(2, lease.Version);
        Assert.Equal(At.AddSeconds(1), lease.CapturedAt);
        Assert.Equal(200, lease.PublishedAt);
    }

    [Fact]
    public void A_leased_payload_stays_intact_while_newer_ones_arrive()
    {
        var slot = new PayloadSlot();
        slot.Publish(Filled(1000, 1), 1, At, 0);
        using var held = slot.Acquire();
        for (var i = 2; i < 50; i++)
            slot.Publish(Filled(1000, (byte)i), i, At, 0);
        Assert.All(held.Memory.ToArray(), b => Assert.Equal(1, b));
        using var newest = slot.Acquire();
        Assert.All(newest.Memory.ToArray(), b => Assert.Equal(49, b));
    }

    [Fact]
    public void Steady_publishing_reuses_buffers_instead_of_growing()
    {
        var slot = new PayloadSlot();
        using var held = new DisposableList();
        for (var i = 0; i < 1000; i++)
        {
            slot.Publish(Filled(4096, (byte)i), i, At, 0);
            if (i % 100 == 0)
                held.Add(slot.Acquire());
            Assert.True(slot.BuffersAlive <= 2 + held.Count + 4, $"{slot.BuffersAlive} buffers after {i} publishes");
        }
        held.Dispose();
        slot.Publish(Filled(10, 0), 0, At, 0);
        Assert.True(slot.BuffersAlive <= 5, $"{slot.BuffersAlive} buffers alive once every lease is returned");
    }

    [Fact]
    public void Steady_publishing_allocates_nothing()
    {
        var slot = new PayloadSlot();
        var payload = Filled(2048, 7);
        for (var i = 0; i < 100; i++)
            slot.Publish(payload, i, At, 0);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            slot.Publish(payload, i, At, 0);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task NextPublish_completes_on_the_next_publish_only()
    {
        var slot = new PayloadSlot();
        var next = slot.NextPublish();
        Assert.False(next.IsCompleted);
        slot.Publish([1], 1, At, 0);
        await next.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(slot.NextPublish().IsCompleted);
    }

    [Fact]
    public async Task Concurrent_readers_always_see_a_whole_payload()
    {
        var slot = new PayloadSlot();
        slot.Publish(Filled(512, 0), 0, At, 0);
        var done = 0;
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Factory.StartNew(() =>
        {
            var seen = 0;
            while (Volatile.Read(ref done) == 0 || seen == 0)
            {
                using var lease = slot.Acquire();
                var span = lease.Memory.Span;
                for (var i = 1; i < span.Length; i++)
                    Assert.Equal(span[0], span[i]);
                seen++;
            }
            return seen;
        }, TaskCreationOptions.LongRunning)).ToArray();
        for (var n = 0; n < 20_000; n++)
        {
            slot.Publish(Filled(512 + n % 256, (byte)n), n, At, 0);
            if (n % 64 == 0)
                Thread.Yield();
        }
        Volatile.Write(ref done, 1);
        Assert.All(await Task.WhenAll(readers), seen => Assert.True(seen > 0));
        Assert.True(slot.BuffersAlive <= 1 + 3 + 4, $"{slot.BuffersAlive} buffers alive");
    }

    private static byte[] Filled(int length, byte value) => Enumerable.Repeat(value, length).ToArray();

    private sealed class DisposableList : List<PayloadLease>, IDisposable
    {
        public void Dispose()
        {
            foreach (var lease in this)
                lease.Dispose();
            Clear();
        }
    }
}
