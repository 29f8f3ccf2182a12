using MFuser.Edge.Core.Geo;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Serial.Mcu;
using MFuser.Edge.Serial.Ports;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="McuStage"/> over a real pseudo-terminal pair (socat): one free-space frame per processed frame,
/// in order, flagged with the GPS fix and the open domain-shift episode.</summary>
public sealed class McuStageTests
{
    [Fact]
    public async Task Every_frame_reaches_the_mcu_in_order_with_its_flags()
    {
        using var pty = new PtyPair("mcu");
        using var harness = new StageHarness();
        var frames = new List<FreeSpaceFrame>();
        var reader = Task.Factory.StartNew(() => McuPeer.Read(pty, frames), TaskCreationOptions.LongRunning);
        var mcu = new McuLink(new SerialLinkOptions { Path = pty.Device, BaudRate = 115200 }, queueSlots: 16);
        var shiftOpen = false;
        var stage = new McuStage(mcu, () => shiftOpen);
        stage.Start();
        Wait.Until(() => mcu.Counters.PortUp, () => "the MCU port open");
        var fix = new GeoFix(48.1, 11.5, null, GeoFixQuality.Gps, DateTimeOffset.UtcNow);

        harness.Run([stage], 4, fix: () => fix);
        shiftOpen = true;
        harness.Run([stage], 2);
        Wait.Until(() => { lock (frames) return frames.Count >= 6; }, () => $"{frames.Count} of 6 MCU frames");
        // The peer can read a frame before the writer thread has counted it: wait for the count, then check it is exact.
        Wait.Until(() => stage.AddStats(DomainShiftStageTests.Empty).Mcu!.Sent >= 6, () => "6 MCU frames counted as sent");
        Assert.Equal(6, stage.AddStats(DomainShiftStageTests.Empty).Mcu!.Sent);
        await stage.DisposeAsync();
        pty.Stop();
        await reader;

        lock (frames)
        {
            Assert.Equal([0L, 1, 2, 3, 0, 1], frames.Select(f => f.FrameId));
            Assert.All(frames, f => Assert.Equal((harness.Width, harness.Height), (f.ImageWidth, f.ImageHeight)));
            Assert.All(frames.Take(4), f => Assert.Equal(FreeSpaceFlags.GpsFix, f.Flags & (FreeSpaceFlags.GpsFix | FreeSpaceFlags.DomainShift)));
            Assert.All(frames.Skip(4), f => Assert.Equal(FreeSpaceFlags.DomainShift, f.Flags & (FreeSpaceFlags.GpsFix | FreeSpaceFlags.DomainShift)));
        }
    }
}
