using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>Tells the frame watchdog that a frame went through every stage before it (the last stage in the list), so
/// the systemd watchdog (<see cref="WatchdogPetter"/>) and the readiness probe see frames flowing end to end.</summary>
public sealed class WatchdogStage(FrameWatchdog watchdog, WatchdogPetter petter) : IFrameStage
{
    public string Name => "watchdog";

    public void Process(FrameContext frame) => watchdog.FrameProcessed();

    public StatsPayload AddStats(StatsPayload stats) =>
        stats with { Watchdog = new WatchdogStats(petter.Interval.TotalSeconds, petter.Pets, petter.Stalls) };

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
