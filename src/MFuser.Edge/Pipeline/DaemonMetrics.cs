using System.Diagnostics.Metrics;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Web;

namespace MFuser.Edge.Pipeline;

/// <summary>
/// The daemon's <see cref="System.Diagnostics.Metrics"/> instruments (docs/console.md lists every name, type and unit),
/// exported at <c>/metrics</c> when the web console is on. Observable: each scrape reads the counters the pipeline and
/// every part already keep — the same <see cref="StatsReporter.Counters"/> snapshot as the <c>stats</c> payload, taken
/// once per scrape — so the frame path does no extra work. The one exception is <see cref="StageDuration"/>, a
/// histogram that needs every sample; <see cref="StageLatencies"/> records it without allocating.
/// </summary>
public sealed class DaemonMetrics : IDisposable
{
    /// <summary>A snapshot younger than this answers the next instrument of the same scrape.</summary>
    private static readonly TimeSpan SnapshotReuse = TimeSpan.FromMilliseconds(250);

    private static readonly Meter StageMeter = new(ConsoleMetrics.DaemonMeterName);

    /// <summary>Time of each pipeline step and stage per frame (label <c>stage</c>, as in <c>stats.latency_ms</c>).</summary>
    internal static readonly Histogram<double> StageDuration = StageMeter.CreateHistogram<double>("mfuser.edge.stage.duration", "s",
        "Time of one pipeline step or frame stage per processed frame, by stage.");

    private readonly Meter _meter = new(ConsoleMetrics.DaemonMeterName);
    private readonly StatsReporter _reporter;
    private readonly Lock _lock = new();
    private StatsPayload? _snapshot;
    private DateTime _snapshotAt;

    public DaemonMetrics(StatsReporter reporter, string provider)
    {
        _reporter = reporter;
        Counter("frames.captured", "{frame}", "Frames the capture thread took from the source.", s => s.FramesCaptured);
        Counter("frames.processed", "{frame}", "Frames that went through every stage.", s => s.FramesProcessed);
        Counter("frames.dropped", "{frame}", "Captured frames the inference thread never took (a newer one arrived first).", s => s.FramesDropped);
        Counter("frames.skipped", "{frame}", "Inferred frames the stage thread never processed (a newer one completed first).",
            s => s.FramesSkipped);
        Counter("stage.errors", "{error}", "Exceptions thrown by frame stages.", s => s.StageErrors);
        _meter.CreateObservableGauge("mfuser.edge.inference.provider.info", () => new Measurement<int>(1, new KeyValuePair<string, object?>(
            "provider", provider)), null, "The execution provider the model runs on (value 1; the provider is the label).");
        Gauge("mqtt.connected", null, "1 while the MQTT link is connected.", s => s.Mqtt.Connected ? 1 : 0);
        Counter("mqtt.reconnects", "{reconnect}", "Times the MQTT link reconnected.", s => s.Mqtt.Reconnects);
        Counter("mqtt.messages.published", "{message}", "Messages handed to the broker.", s => s.Mqtt.Published);
        Counter("mqtt.messages.dropped", "{message}", "Best-effort messages dropped (disconnected or queue full).", s => s.Mqtt.Dropped);
        Gauge("mqtt.queue.depth", "{message}", "Best-effort messages waiting to be sent.", s => s.Mqtt.QueueDepth);
        Gauge("mqtt.must_deliver.pending", "{message}", "QoS 1 messages (episode events, command results) not yet acknowledged.",
            s => s.Mqtt.MustDeliverPending);
        Gauge("spool.size", "By", "Bytes in the must-deliver disk spool (spool.dir).", s => s.Spool?.Bytes);
        Gauge("domain_shift.score", null, "Domain-shift score of the latest frame, in reference standard deviations.", s => s.DomainShift?.Score);
        Gauge("domain_shift.episode.open", null, "1 while a domain-shift episode is open.",
            s => s.DomainShift is { } d ? (d.InEpisode ? 1 : 0) : null);
        Counter("domain_shift.events", "{event}", "Domain-shift episode events (new, update, end).", s => s.DomainShift?.Events);
        Counter("field_log.messages.written", "{message}", "Messages written into MCAP field logs.", s => s.FieldLog?.MessagesWritten);
        Counter("field_log.messages.dropped", "{message}", "Field-log messages dropped because the recorder's queue was full.",
            s => s.FieldLog?.DroppedQueueFull);
        Gauge("field_log.size", "By", "Bytes the MCAP field logs take on disk (field_log.dir, against field_log.quota_bytes).",
            s => s.FieldLog?.DiskBytes);
        Gauge("gps.fix.age", "s", "Age of the latest GPS fix (absent without a receiver or a fix).", s => s.Gps?.FixAgeS);
        Gauge("process.memory.working_set", "By", "Resident set of the process.", s => s.Memory.WorkingSetMb * 1048576);
        Gauge("process.memory.managed_heap", "By", "Managed heap in use.", s => s.Memory.ManagedHeapMb * 1048576);
    }

    public void Dispose() => _meter.Dispose();

    private void Counter(string name, string unit, string description, Func<StatsPayload, long?> read) =>
        _meter.CreateObservableCounter("mfuser.edge." + name, () => Measure(read), unit, description);

    private void Gauge(string name, string? unit, string description, Func<StatsPayload, double?> read) =>
        _meter.CreateObservableGauge("mfuser.edge." + name, () => Measure(read), unit, description);

    private IEnumerable<Measurement<T>> Measure<T>(Func<StatsPayload, T?> read) where T : struct =>
        read(Snapshot()) is { } value ? [new Measurement<T>(value)] : [];

    private StatsPayload Snapshot()
    {
        lock (_lock)
        {
            var now = DateTime.UtcNow;
            if (_snapshot is null || now - _snapshotAt > SnapshotReuse)
                (_snapshot, _snapshotAt) = (_reporter.Counters(), now);
            return _snapshot;
        }
    }
}
