using System.Globalization;

namespace MFuser.Edge.Core.Payloads;

/// <summary>Identifies the camera frame a payload describes: its monotonic id and capture time.</summary>
public readonly record struct FrameStamp(long Frame, DateTimeOffset CapturedAt);

/// <summary>Per-frame latencies reported in <c>drivable.latency_ms</c>, milliseconds.</summary>
public readonly record struct FrameLatency(double CaptureToPublishMs, double InferenceMs);

/// <summary>RFC 3339 UTC timestamps with millisecond precision, e.g. <c>2026-11-26T16:02:48.123Z</c>.</summary>
public static class Rfc3339
{
    /// <summary>Bytes <see cref="Format(DateTimeOffset, Span{byte})"/> writes.</summary>
    public const int Length = 24;

    private const string Pattern = "yyyy-MM-dd'T'HH:mm:ss.fff'Z'";

    /// <summary>Writes the UTF-8 timestamp into <paramref name="destination"/> (≥ <see cref="Length"/> bytes) and returns
    /// the number of bytes written. Allocates nothing.</summary>
    public static int Format(DateTimeOffset time, Span<byte> destination) =>
        time.UtcDateTime.TryFormat(destination, out var written, Pattern, CultureInfo.InvariantCulture)
            ? written
            : throw new ArgumentException($"destination needs {Length} bytes, has {destination.Length}");

    /// <summary>The timestamp as a string (for MQTT user properties and logs).</summary>
    public static string ToString(DateTimeOffset time) => time.UtcDateTime.ToString(Pattern, CultureInfo.InvariantCulture);
}
