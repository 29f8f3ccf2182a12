using System.Text.Json;
using System.Text.Json.Serialization;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Core.Payloads;

/// <summary>Payloads of <c>&lt;base&gt;/available</c> (plain text, retained).</summary>
public static class Availability
{
    public const string Online = "online";
    /// <summary>Published retained on a clean shutdown.</summary>
    public const string Stopped = "stopped";
    /// <summary>The Last Will: the broker publishes it when the connection is lost without a clean disconnect.</summary>
    public const string Offline = "offline";
}

/// <summary><c>&lt;base&gt;/info</c> (retained): what this daemon is and runs. Field names are snake_case in JSON.</summary>
public sealed record InfoPayload(
    string Device,
    string SoftwareVersion,
    DateTimeOffset StartedAt,
    ModelInfo Model,
    IReadOnlyList<ClassEntry> Classes,
    ImageSize Input,
    ExecutionInfo Execution,
    CalibrationInfo Calibration,
    FreeSpaceLayout FreeSpace)
{
    /// <summary>Encodes this payload as UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, PayloadJsonContext.Default.InfoPayload);
}

/// <summary>The model package in use (docs/model-contract.md).</summary>
public sealed record ModelInfo(string Name, string Version, string Sha256);

/// <summary>One class-table row; <see cref="Color"/> is [r, g, b].</summary>
public sealed record ClassEntry(int Id, string Name, IReadOnlyList<int> Color, bool Drivable)
{
    public static ClassEntry From(ClassInfo c) => new(c.Id, c.Name, [c.Color.R, c.Color.G, c.Color.B], c.Drivable);
}

public sealed record ImageSize(int Width, int Height);

/// <summary>The ONNX Runtime execution provider actually in use, the ones that were tried in order, and how many
/// graph nodes each provider was assigned.</summary>
public sealed record ExecutionInfo(string Provider, IReadOnlyList<string> Requested, IReadOnlyDictionary<string, int> NodePlacement);

/// <summary>Whether bearings and ranges are published, and from which calibration file.</summary>
public sealed record CalibrationInfo(bool Present, string? File, double? MountHeightM, double? PitchDeg, double? RollDeg);

/// <summary>The fixed layout of <c>drivable.free_space</c>: bin i covers image columns [column_edges[i],
/// column_edges[i+1]) at model resolution.</summary>
public sealed record FreeSpaceLayout(int Bins, IReadOnlyList<int> ColumnEdges, bool Calibrated)
{
    public static FreeSpaceLayout From(Analysis.FreeSpaceScan scan) => new(scan.Count, scan.ColumnEdges.ToArray(), scan.HasGeometry);
}

/// <summary><c>&lt;base&gt;/stats</c>, published every stats interval (docs/mqtt-api.md). The blocks after
/// <see cref="Memory"/> come from the parts the configuration turned on, each filled by its owner; a part that is off
/// leaves its block out.</summary>
/// <param name="FramesDropped">Captured frames the inference thread never took (a newer one arrived first).</param>
/// <param name="FramesSkipped">Inferred frames the stage thread never processed (a newer one completed first).</param>
/// <param name="StageErrors">Exceptions thrown by frame stages (each logged at most once a minute per stage).</param>
public sealed record StatsPayload(
    DateTimeOffset At,
    double UptimeS,
    double Fps,
    long FramesCaptured,
    long FramesProcessed,
    long FramesDropped,
    long FramesSkipped,
    long StageErrors,
    IReadOnlyDictionary<string, LatencyPercentiles> LatencyMs,
    MqttStats Mqtt,
    MemoryStats Memory)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public GpsStats? Gps { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public McuStats? Mcu { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public ControlStats? Control { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public DomainShiftStats? DomainShift { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public FieldLogStats? FieldLog { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public SpoolStats? Spool { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public WatchdogStats? Watchdog { get; init; }

    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(this, PayloadJsonContext.Default.StatsPayload);
}

/// <summary><c>stats.gps</c>: the NMEA receiver (docs/serial-protocol.md).</summary>
public sealed record GpsStats(bool Open, long Opens, long IoErrors, long Fixes, long NoFixSentences, long RejectedLines,
    IReadOnlyDictionary<string, long> RejectedByReason, double? FixAgeS);

/// <summary><c>stats.mcu</c>: the MCU serial link.</summary>
public sealed record McuStats(bool PortUp, long Sent, long Bytes, long DroppedFull, long DroppedPortDown, long DiscardedStale, long IoErrors,
    long Opens);

/// <summary><c>stats.control</c>: MQTT settings and commands.</summary>
public sealed record ControlStats(long Accepted, long Rejected, long Failed)
{
    /// <summary>Rejections per reason (<c>unknown_setting</c>, <c>rate_limited</c>, …; every reason, zeros included).</summary>
    public IReadOnlyDictionary<string, long>? RejectedByReason { get; init; }
}

/// <summary><c>stats.domain_shift</c>: the monitor and its must-deliver events.</summary>
public sealed record DomainShiftStats(bool InEpisode, string? EpisodeId, double? Score, long Events, long EventsStored, long EventsRefused);

/// <summary><c>stats.field_log</c>: the MCAP recorder; <paramref name="DiskBytes"/> is what its files take on disk now
/// (measured at the quota checks), against <c>field_log.quota_bytes</c>.</summary>
public sealed record FieldLogStats(bool Recording, long Enqueued, long DroppedQueueFull, long MessagesWritten, int FilesWritten,
    int FilesDeletedForQuota, int QuotaStops, long WriteErrors, int SnapshotsRefused, long DiskBytes);

/// <summary><c>stats.spool</c>: the must-deliver disk spool.</summary>
public sealed record SpoolStats(long Pending, long Bytes, long Refused, long TornRecords, long Recovered);

/// <summary><c>stats.watchdog</c>: the systemd watchdog.</summary>
public sealed record WatchdogStats(double IntervalS, long Pets, long Stalls);

/// <summary>Latency distribution of one pipeline stage over the last stats interval, milliseconds.</summary>
public sealed record LatencyPercentiles(double P50, double P90, double P99, double Max);

/// <summary>The MQTT link's counters since start (docs/mqtt-api.md, <c>stats.mqtt</c>).</summary>
public sealed record MqttStats(bool Connected, string? Protocol, long Published, long Dropped, long Reconnects,
    int QueueDepth, int MustDeliverPending)
{
    public long Sent { get; init; }
    public long Unconfirmed { get; init; }
    public long Lost { get; init; }
    public long MustDeliverRefused { get; init; }
    public long DeadLettered { get; init; }
    public long RefusedByBroker { get; init; }
    public long SubscriptionsRefused { get; init; }
    public long InboundTooLarge { get; init; }
    public long DeadLinks { get; init; }
}

public sealed record MemoryStats(double WorkingSetMb, double ManagedHeapMb);

/// <summary>Source-generated System.Text.Json metadata for the status payloads: snake_case names, RFC 3339 UTC times.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, Converters = [typeof(Rfc3339JsonConverter)])]
[JsonSerializable(typeof(InfoPayload))]
[JsonSerializable(typeof(StatsPayload))]
public sealed partial class PayloadJsonContext : JsonSerializerContext;

/// <summary>Writes <see cref="DateTimeOffset"/> as RFC 3339 UTC (<see cref="Rfc3339"/>) and reads any ISO 8601 time.</summary>
public sealed class Rfc3339JsonConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.GetDateTimeOffset();

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options)
    {
        Span<byte> buffer = stackalloc byte[Rfc3339.Length];
        writer.WriteStringValue(buffer[..Rfc3339.Format(value, buffer)]);
    }
}
