using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Serial.Mcu;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>The free-space frame to the vehicle's MCU over serial (docs/serial-protocol.md), every frame, flagged with
/// the GPS fix and an open domain-shift episode. <see cref="McuLink.TrySend"/> only queues (the link's own thread
/// writes the port and drops stale frames).</summary>
/// <param name="inShiftEpisode">Whether a domain-shift episode is open (the domain-shift stage runs before this one);
/// null when the monitor is off.</param>
public sealed class McuStage(McuLink mcu, Func<bool>? inShiftEpisode) : IFrameStage
{
    private readonly FreeSpaceFrame _frame = new();

    public string Name => "mcu";

    public void Start() => mcu.Start();

    public void Process(FrameContext frame)
    {
        var flags = (frame.Fix is not null ? FreeSpaceFlags.GpsFix : FreeSpaceFlags.None)
                    | (inShiftEpisode?.Invoke() == true ? FreeSpaceFlags.DomainShift : FreeSpaceFlags.None);
        _frame.CopyFrom(frame.Summary, frame.Stamp.Frame, frame.Stamp.CapturedAt, flags);
        mcu.TrySend(_frame);
    }

    public StatsPayload AddStats(StatsPayload stats)
    {
        var c = mcu.Counters;
        return stats with { Mcu = new McuStats(c.PortUp, c.Sent, c.Bytes, c.DroppedFull, c.DroppedPortDown, c.DiscardedStale, c.IoErrors, c.Opens) };
    }

    public ValueTask DisposeAsync()
    {
        mcu.Dispose();
        return ValueTask.CompletedTask;
    }
}
