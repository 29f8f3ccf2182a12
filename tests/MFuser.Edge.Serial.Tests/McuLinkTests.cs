using MFuser.Edge.Serial.Mcu;
using MFuser.Edge.Serial.Ports;
using MFuser.TestSupport;

namespace MFuser.Edge.Serial.Tests;

/// <summary>The MCU link on a real socat pty pair: the test plays the microcontroller at the peer end.</summary>
public class McuLinkTests
{
    private static SerialLinkOptions Options(PtyPair pair) => new()
    {
        Path = pair.Device,
        BaudRate = 115200,
        ReopenMin = TimeSpan.FromMilliseconds(50),
        ReopenMax = TimeSpan.FromMilliseconds(200),
    };

    /// <summary>Reads delimited blocks from the peer until <paramref name="count"/> have arrived.</summary>
    private static List<byte[]> ReadBlocks(Stream peer, int count)
    {
        var blocks = new List<byte[]>();
        var current = new List<byte>();
        var buffer = new byte[4096];
        var readTask = Task.Run(() =>
        {
            while (blocks.Count < count)
            {
                var n = peer.Read(buffer, 0, buffer.Length);
                if (n == 0)
                    break;
                for (var i = 0; i < n; i++)
                {
                    if (buffer[i] != 0)
                    {
                        current.Add(buffer[i]);
                        continue;
                    }
                    current.Add(0);
                    blocks.Add(current.ToArray());
                    current.Clear();
                }
            }
        });
        Assert.True(readTask.Wait(Wait.Timeout), $"only {blocks.Count} of {count} frames arrived");
        return blocks;
    }

    [Fact]
    public void Frames_arrive_byte_exact_and_decode_back()
    {
        using var pair = new PtyPair();
        using var link = new McuLink(Options(pair), queueSlots: 4);
        link.Start();
        Wait.Until(() => link.Counters.PortUp, () => "MCU port open");
        using var peer = pair.OpenPeer();

        var frame = FramingTests.SampleFrame();
        var expected = new List<byte[]>();
        var wire = new byte[FreeSpaceFrameCodec.MaxWireLength];
        for (var i = 0; i < 50; i++)
        {
            frame.FrameId = 1000 + i;
            frame.Rows[1] = 100 + i;
            var n = FreeSpaceFrameCodec.Encode(frame, wire);
            Wait.Until(() => link.TrySend(frame), () => $"a free slot for frame {i}");
            expected.Add(wire[..n]);
        }
        var blocks = ReadBlocks(peer, 50);
        Assert.Equal(expected.Count, blocks.Count);
        for (var i = 0; i < blocks.Count; i++)
        {
            Assert.Equal(expected[i], blocks[i]);
            var decoded = new FreeSpaceFrame();
            Assert.Equal(FreeSpaceDecodeError.None, FreeSpaceFrameCodec.TryDecode(blocks[i].AsSpan(0, blocks[i].Length - 1), decoded));
            Assert.Equal(1000 + i, decoded.FrameId);
            Assert.Equal(100 + i, decoded.Rows[1]);
        }
        // The writer counts a frame after its write returns, which can be after the peer has read it.
        var bytes = expected.Sum(e => (long)e.Length);
        Wait.Until(() => link.Counters is { Sent: 50 } c && c.Bytes == bytes,
            () => $"counters {link.Counters.Sent} frames / {link.Counters.Bytes} bytes, expected 50 / {bytes}");
    }

    [Fact]
    public void A_burst_beyond_the_queue_is_dropped_and_counted_without_blocking()
    {
        using var pair = new PtyPair();
        using var link = new McuLink(Options(pair) with { BaudRate = 9600 }, queueSlots: 2);
        link.Start();
        Wait.Until(() => link.Counters.PortUp, () => "MCU port open");
        using var peer = pair.OpenPeer();
        var frame = FramingTests.SampleFrame();
        // warm-up burst (first contention, JIT tiers), then the measured one
        var warm = 0;
        for (var i = 0; i < 500; i++)
            warm += link.TrySend(frame) ? 1 : 0;
        ReadBlocks(peer, warm);
        Wait.Until(() => link.Counters.Sent == warm, () => $"warm-up sent {link.Counters.Sent} of {warm}");
        var baseline = link.Counters;

        var accepted = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 500; i++)
            accepted += link.TrySend(frame) ? 1 : 0;
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before); // the caller's side allocates nothing per frame
        var c = link.Counters;
        Assert.Equal(500, accepted + c.DroppedFull - baseline.DroppedFull);
        Assert.True(c.DroppedFull > baseline.DroppedFull, "a 500-frame burst into 2 slots must drop some");
        ReadBlocks(peer, accepted);
        Wait.Until(() => link.Counters.Sent == warm + accepted, () => $"sent {link.Counters.Sent} of {warm + accepted}");
    }

    [Fact]
    public void Link_recovers_when_the_port_disappears_and_comes_back()
    {
        using var pair = new PtyPair();
        using var link = new McuLink(Options(pair));
        link.Start();
        Wait.Until(() => link.Counters.PortUp, () => "MCU port open");
        var frame = FramingTests.SampleFrame();

        pair.Stop();
        // the writer notices the loss on its next write; keep offering frames until it does
        Wait.Until(() =>
        {
            link.TrySend(frame);
            return !link.Counters.PortUp;
        }, () => $"loss noticed: {link.Counters}");
        Assert.False(link.TrySend(frame));
        Assert.True(link.Counters.DroppedPortDown >= 1);

        pair.Restart();
        Wait.Until(() => link.Counters.PortUp && link.Counters.Opens == 2, () => $"reopened: {link.Counters}");
        using var peer = pair.OpenPeer();
        frame.FrameId = 777;
        Assert.True(link.TrySend(frame));
        var block = ReadBlocks(peer, 1)[0];
        var decoded = new FreeSpaceFrame();
        Assert.Equal(FreeSpaceDecodeError.None, FreeSpaceFrameCodec.TryDecode(block.AsSpan(0, block.Length - 1), decoded));
        Assert.Equal(777, decoded.FrameId);
    }
}
