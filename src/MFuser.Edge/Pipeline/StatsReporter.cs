using MFuser.Edge.Capture;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;

namespace MFuser.Edge.Pipeline;

/// <summary>Assembles the <c>stats</c> payload (docs/mqtt-api.md): the pipeline's counters and latencies, the MQTT link,
/// process memory, then the typed block of every part that is on.</summary>
public sealed class StatsReporter(CaptureWorker capture, FrameSlot slot, FrameHandoff handoff, StageRunner runner, MqttLink link,
    IReadOnlyList<IStatsSource> sources)
{
    /// <param name="fps">Frames through the stages per second, over the interval or the run.</param>
    /// <param name="wholeRun">Latencies over the run (the summary at shutdown) instead of since the last call.</param>
    public StatsPayload Take(TimeSpan uptime, double fps, bool wholeRun) => Assemble(uptime, fps, runner.Latencies.Summarise(wholeRun));

    /// <summary>The counters and every part's block without latencies, uptime or fps: what <c>/metrics</c> reads
    /// (<see cref="DaemonMetrics"/>). Resets nothing, so the <c>stats</c> intervals stay whole.</summary>
    public StatsPayload Counters() => Assemble(TimeSpan.Zero, 0, new Dictionary<string, LatencyPercentiles>());

    private StatsPayload Assemble(TimeSpan uptime, double fps, IReadOnlyDictionary<string, LatencyPercentiles> latencies)
    {
        var stats = new StatsPayload(DateTimeOffset.UtcNow, Math.Round(uptime.TotalSeconds, 3), Math.Round(fps, 2), capture.Captured, runner.Processed,
            slot.Dropped, handoff.Skipped, runner.StageErrors, latencies, link.Counters.ToPayload(),
            new MemoryStats(Math.Round(ResidentSet.Bytes() / 1048576.0, 1), Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1)));
        foreach (var source in sources)
            stats = source.AddStats(stats);
        return stats;
    }
}

/// <summary>The must-deliver disk spool's block of <c>stats</c>.</summary>
public sealed class SpoolStatsSource(DiskSpool spool) : IStatsSource
{
    public StatsPayload AddStats(StatsPayload stats) =>
        stats with { Spool = new SpoolStats(spool.Count, spool.Bytes, spool.Refused, spool.TornRecords, spool.Recovered) };
}
