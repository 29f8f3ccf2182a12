using System.Text.Json;
using System.Text.Json.Serialization;

namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// <c>&lt;base&gt;/stats</c>: health and performance every stats interval (docs/mqtt-api.md). The frame counters and
/// latencies are typed; the per-part blocks (<c>mqtt</c>, <c>memory</c>, <c>gps</c>, <c>domain_shift</c>, …) grow
/// with the daemon, so they stay JSON in <see cref="Blocks"/>.
/// </summary>
/// <param name="LatencyMs">Per pipeline stage (<c>inference</c>, <c>capture_to_publish</c>, …) over the last interval.</param>
public sealed record DeviceStats(
    DateTimeOffset At,
    double UptimeS,
    double Fps,
    long FramesCaptured,
    long FramesProcessed,
    long FramesDropped,
    IReadOnlyDictionary<string, LatencyPercentiles> LatencyMs)
{
    /// <summary>Every other member by name, e.g. <c>Blocks["mqtt"].GetProperty("dropped")</c>.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement> Blocks { get; set; } = [];
}

/// <summary>Latency distribution of one stage, milliseconds.</summary>
public sealed record LatencyPercentiles(double P50, double P90, double P99, double Max);
