using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>
/// The <c>&lt;base&gt;/domain_shift</c> payload of an <see cref="EpisodeEvent"/> (docs/mqtt-api.md,
/// docs/field-logging.md):
/// <code>
/// { "event": "new", "event_id": "0193…/0", "episode_id": "0193…", "seq": 0,
///   "frame": 1234, "captured_at": "2026-11-26T16:02:48.123Z", "started_at": "…", "ended_at": null, "end_reason": null,
///   "duration_s": 1.2, "score": 5.1, "peak_score": 5.1, "dominant": "contrast",
///   "signals": { "brightness": 0.61, … }, "z": { "brightness": 1.2, … },
///   "gps": { "lat": 48.1, "lon": 11.5, "alt_m": 520.0, "fix_quality": 1, "satellites": 9, "hdop": 0.9,
///            "time": "…" } }
/// </code>
/// Absent signals are left out of <c>signals</c> and <c>z</c>; <c>gps</c> is null without a valid fix.
/// </summary>
public static class EpisodeEventJson
{
    /// <summary>Encodes <paramref name="e"/> with the latest GPS fix (null: none).</summary>
    public static byte[] Serialize(EpisodeEvent e, GeoFix? fix)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("event", e.KindName);
            w.WriteString("event_id", e.EventId);
            w.WriteString("episode_id", e.EpisodeId);
            w.WriteNumber("seq", e.Sequence);
            w.WriteNumber("frame", e.Frame.Frame);
            w.WriteString("captured_at", Rfc3339.ToString(e.Frame.CapturedAt));
            w.WriteString("started_at", Rfc3339.ToString(e.StartedAt));
            if (e.EndedAt is { } ended)
                w.WriteString("ended_at", Rfc3339.ToString(ended));
            else
                w.WriteNull("ended_at");
            if (e.EndReason is { } reason)
                w.WriteString("end_reason", reason == EpisodeEndReason.Shutdown ? "shutdown" : "recovered");
            else
                w.WriteNull("end_reason");
            w.WriteNumber("duration_s", Math.Round(e.Duration.TotalSeconds, 3));
            w.WriteNumber("score", Math.Round(e.Score, 3));
            w.WriteNumber("peak_score", Math.Round(e.PeakScore, 3));
            w.WriteString("dominant", e.Dominant.Name());
            WriteSignals(w, "signals", e.Signals, 5);
            WriteSignals(w, "z", e.ZScores, 3);
            w.WritePropertyName("gps");
            GeoFixJson.WriteValue(w, fix);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteSignals(Utf8JsonWriter w, string name, double[] values, int digits)
    {
        w.WriteStartObject(name);
        foreach (var signal in ShiftSignals.All)
            if (double.IsFinite(values[(int)signal]))
                w.WriteNumber(signal.Name(), Math.Round(values[(int)signal], digits));
        w.WriteEndObject();
    }
}
