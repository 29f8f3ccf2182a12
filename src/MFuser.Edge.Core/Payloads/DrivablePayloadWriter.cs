using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Geo;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;

namespace MFuser.Edge.Core.Payloads;

/// <summary>
/// Encodes a <see cref="DrivableSummary"/> as the <c>&lt;base&gt;/drivable</c> JSON payload (docs/mqtt-api.md) with a
/// <see cref="Utf8JsonWriter"/> into one reusable buffer: no allocation per frame once the buffer has grown to
/// size. The returned memory is valid until the next <see cref="Write"/>; publishers copy it. Not thread-safe.
/// </summary>
/// <param name="withGps">The daemon has a GPS receiver: every payload ends with <c>gps</c>, the fix or null.</param>
public sealed class DrivablePayloadWriter(bool withGps = false)
{
    private static readonly JsonEncodedText Frame = JsonEncodedText.Encode("frame");
    private static readonly JsonEncodedText CapturedAt = JsonEncodedText.Encode("captured_at");
    private static readonly JsonEncodedText Width = JsonEncodedText.Encode("width");
    private static readonly JsonEncodedText Height = JsonEncodedText.Encode("height");
    private static readonly JsonEncodedText DrivableFraction = JsonEncodedText.Encode("drivable_fraction");
    private static readonly JsonEncodedText ConfidenceMean = JsonEncodedText.Encode("confidence_mean");
    private static readonly JsonEncodedText EntropyMean = JsonEncodedText.Encode("entropy_mean");
    private static readonly JsonEncodedText Classes = JsonEncodedText.Encode("classes");
    private static readonly JsonEncodedText UnknownFraction = JsonEncodedText.Encode("unknown_fraction");
    private static readonly JsonEncodedText FreeSpace = JsonEncodedText.Encode("free_space");
    private static readonly JsonEncodedText Bins = JsonEncodedText.Encode("bins");
    private static readonly JsonEncodedText Rows = JsonEncodedText.Encode("rows");
    private static readonly JsonEncodedText Scan = JsonEncodedText.Encode("scan");
    private static readonly JsonEncodedText AngleMin = JsonEncodedText.Encode("angle_min");
    private static readonly JsonEncodedText AngleMax = JsonEncodedText.Encode("angle_max");
    private static readonly JsonEncodedText AngleIncrement = JsonEncodedText.Encode("angle_increment");
    private static readonly JsonEncodedText RangeMin = JsonEncodedText.Encode("range_min");
    private static readonly JsonEncodedText RangeMax = JsonEncodedText.Encode("range_max");
    private static readonly JsonEncodedText Ranges = JsonEncodedText.Encode("ranges");
    private static readonly JsonEncodedText EgoCorridor = JsonEncodedText.Encode("ego_corridor");
    private static readonly JsonEncodedText Row = JsonEncodedText.Encode("row");
    private static readonly JsonEncodedText ClearRows = JsonEncodedText.Encode("clear_rows");
    private static readonly JsonEncodedText Class = JsonEncodedText.Encode("class");
    private static readonly JsonEncodedText ClassName = JsonEncodedText.Encode("class_name");
    private static readonly JsonEncodedText RangeM = JsonEncodedText.Encode("range_m");
    private static readonly JsonEncodedText LatencyMs = JsonEncodedText.Encode("latency_ms");
    private static readonly JsonEncodedText CaptureToPublish = JsonEncodedText.Encode("capture_to_publish");
    private static readonly JsonEncodedText Inference = JsonEncodedText.Encode("inference");
    private static readonly JsonEncodedText Gps = JsonEncodedText.Encode("gps");

    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly Utf8JsonWriter _json = new(Stream.Null, new JsonWriterOptions { SkipValidation = true });
    private IReadOnlyList<ClassInfo>? _classesEncoded;
    private JsonEncodedText[] _classNames = [];
    private readonly Dictionary<int, JsonEncodedText> _classNameById = [];

    /// <summary>Encodes <paramref name="summary"/> for <paramref name="stamp"/> with the freshest GPS fix (null: none);
    /// see docs/mqtt-api.md for every field.</summary>
    public ReadOnlyMemory<byte> Write(in FrameStamp stamp, DrivableSummary summary, in FrameLatency latency, GeoFix? fix = null)
    {
        PrepareClassNames(summary);
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        var w = _json;
        w.WriteStartObject();
        w.WriteNumber(Frame, stamp.Frame);
        Span<byte> time = stackalloc byte[Rfc3339.Length];
        w.WriteString(CapturedAt, time[..Rfc3339.Format(stamp.CapturedAt, time)]);
        w.WriteNumber(Width, summary.Width);
        w.WriteNumber(Height, summary.Height);
        w.WriteNumber(DrivableFraction, Math.Round(summary.DrivableFraction, 4));
        w.WriteNumber(ConfidenceMean, Math.Round(summary.ConfidenceMean, 4));
        w.WriteNumber(EntropyMean, Math.Round(summary.EntropyMean, 4));

        w.WriteStartObject(Classes);
        var fractions = summary.ClassFractions;
        for (var i = 0; i < fractions.Length; i++)
            w.WriteNumber(_classNames[i], Math.Round(fractions[i], 4));
        w.WriteEndObject();
        w.WriteNumber(UnknownFraction, Math.Round(summary.UnknownFraction, 4));

        WriteFreeSpace(w, summary.FreeSpace);
        WriteCorridor(w, summary.EgoCorridor);

        w.WriteStartObject(LatencyMs);
        w.WriteNumber(CaptureToPublish, Math.Round(latency.CaptureToPublishMs, 2));
        w.WriteNumber(Inference, Math.Round(latency.InferenceMs, 2));
        w.WriteEndObject();
        if (withGps)
        {
            w.WritePropertyName(Gps);
            GeoFixJson.WriteValue(w, fix);
        }
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenMemory;
    }

    private static void WriteFreeSpace(Utf8JsonWriter w, FreeSpaceScan scan)
    {
        w.WriteStartObject(FreeSpace);
        w.WriteNumber(Bins, scan.Count);
        w.WriteStartArray(Rows);
        foreach (var row in scan.Rows)
            w.WriteNumberValue(row);
        w.WriteEndArray();
        w.WriteStartArray(Classes);
        foreach (var id in scan.ClassIds)
            if (id < 0)
                w.WriteNullValue();
            else
                w.WriteNumberValue(id);
        w.WriteEndArray();
        if (!scan.HasGeometry)
            w.WriteNull(Scan);
        else
        {
            // sensor_msgs/LaserScan order: counter-clockwise from angle_min, i.e. from the rightmost bin leftwards.
            w.WriteStartObject(Scan);
            w.WriteNumber(AngleMin, Math.Round(scan.AngleLeft - (scan.Count - 1) * scan.AngleIncrement, 6));
            w.WriteNumber(AngleMax, Math.Round(scan.AngleLeft, 6));
            w.WriteNumber(AngleIncrement, Math.Round(scan.AngleIncrement, 6));
            WriteNumberOrNull(w, RangeMin, scan.RangeMin, 3);
            w.WriteNumber(RangeMax, Math.Round(scan.RangeMax, 3));
            w.WriteStartArray(Ranges);
            var ranges = scan.Ranges;
            for (var i = ranges.Length - 1; i >= 0; i--)
                if (double.IsFinite(ranges[i]))
                    w.WriteNumberValue(Math.Round(ranges[i], 3));
                else
                    w.WriteNullValue();
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private void WriteCorridor(Utf8JsonWriter w, EgoCorridor corridor)
    {
        w.WriteStartObject(EgoCorridor);
        w.WriteNumber(Row, corridor.Row);
        w.WriteNumber(ClearRows, corridor.ClearRows);
        if (corridor.ClassId < 0)
        {
            w.WriteNull(Class);
            w.WriteNull(ClassName);
        }
        else
        {
            w.WriteNumber(Class, corridor.ClassId);
            if (_classNameById.TryGetValue(corridor.ClassId, out var name))
                w.WriteString(ClassName, name);
            else
                w.WriteNull(ClassName);
        }
        WriteNumberOrNull(w, RangeM, corridor.RangeM, 3);
        w.WriteEndObject();
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, JsonEncodedText name, double value, int decimals)
    {
        if (double.IsFinite(value))
            w.WriteNumber(name, Math.Round(value, decimals));
        else
            w.WriteNull(name);
    }

    private void PrepareClassNames(DrivableSummary summary)
    {
        if (ReferenceEquals(_classesEncoded, summary.Classes))
            return;
        _classesEncoded = summary.Classes;
        _classNames = summary.Classes.Select(c => JsonEncodedText.Encode(c.Name)).ToArray();
        _classNameById.Clear();
        foreach (var c in summary.Classes)
            _classNameById[c.Id] = JsonEncodedText.Encode(c.Name);
    }
}
