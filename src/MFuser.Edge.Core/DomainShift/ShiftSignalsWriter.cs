using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>
/// The per-frame shift-signals JSON (field log channel <c>/domain_shift/signals</c>):
/// <code>{"frame":1234,"captured_at":"…","score":2.1,"dominant":"brightness","episode_id":null,
///  "signals":{"brightness":0.41,…},"z":{"brightness":2.1,…}}</code>
/// Written into one reusable buffer: no allocation per frame once it has grown. The returned memory is valid until
/// the next <see cref="Write"/>. Not thread-safe.
/// </summary>
public sealed class ShiftSignalsWriter
{
    private static readonly JsonEncodedText[] Names = ShiftSignals.All.Select(s => JsonEncodedText.Encode(s.Name())).ToArray();
    private readonly ArrayBufferWriter<byte> _buffer = new(1024);
    private readonly Utf8JsonWriter _json;

    public ShiftSignalsWriter() => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary>Encodes the monitor's state after <see cref="DomainShiftMonitor.Observe"/> for <paramref name="frame"/>.</summary>
    public ReadOnlyMemory<byte> Write(DomainShiftMonitor monitor, in FrameStamp frame)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        var w = _json;
        w.WriteStartObject();
        w.WriteNumber("frame"u8, frame.Frame);
        Span<byte> time = stackalloc byte[Rfc3339.Length];
        w.WriteString("captured_at"u8, time[..Rfc3339.Format(frame.CapturedAt, time)]);
        if (double.IsFinite(monitor.Score))
        {
            w.WriteNumber("score"u8, Math.Round(monitor.Score, 3));
            w.WriteString("dominant"u8, Names[(int)monitor.Dominant]);
        }
        else
        {
            w.WriteNull("score"u8);
            w.WriteNull("dominant"u8);
        }
        if (monitor.EpisodeId is { } id)
            w.WriteString("episode_id"u8, id);
        else
            w.WriteNull("episode_id"u8);
        Values(w, "signals"u8, monitor.Smoothed, 5);
        Values(w, "z"u8, monitor.ZScores, 3);
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenMemory;
    }

    private static void Values(Utf8JsonWriter w, ReadOnlySpan<byte> name, ReadOnlySpan<double> values, int digits)
    {
        w.WriteStartObject(name);
        for (var i = 0; i < values.Length; i++)
            if (double.IsFinite(values[i]))
                w.WriteNumber(Names[i], Math.Round(values[i], digits));
        w.WriteEndObject();
    }
}
