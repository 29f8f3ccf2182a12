namespace MFuser.Edge.Web;

/// <summary>Which <see cref="System.Diagnostics.Metrics.Meter"/>s <c>/metrics</c> exports. The daemon's stages create
/// their instruments on a Meter named <see cref="DaemonMeterName"/> (or a name below it, e.g. <c>MFuser.Edge.Capture</c>);
/// the exporter turns an instrument <c>mfuser.edge.stage.duration</c> with unit <c>s</c> into
/// <c>mfuser_edge_stage_duration_seconds</c>, and appends <c>_total</c> to counters (docs/console.md lists the rules).</summary>
public static class ConsoleMetrics
{
    /// <summary>The daemon's Meter.</summary>
    public const string DaemonMeterName = "MFuser.Edge";

    /// <summary>The console's own Meter (viewers, frames streamed, HTTP requests).</summary>
    public const string ConsoleMeterName = "MFuser.Edge.Console";

    /// <summary>Meter names the exporter subscribes to: the daemon's Meter and every Meter below it (the console's
    /// among them). Others (ASP.NET Core's, the runtime's) stay out: see docs/console.md.</summary>
    public static IReadOnlyList<string> ExportedMeters { get; } = [DaemonMeterName, DaemonMeterName + ".*"];
}
