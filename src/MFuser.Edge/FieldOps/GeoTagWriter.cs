using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.FieldOps;

/// <summary>Adds <c>"gps": {...}</c> (or <c>"gps": null</c> without a fresh fix) as the last member of a JSON object
/// such as the <c>drivable</c> payload, in the same shape as the <c>domain_shift</c> event's <c>gps</c>
/// (<see cref="EpisodeEventJson.WriteFix"/>). Writes into one reusable buffer: allocation-free per frame once grown;
/// the result is valid until the next <see cref="Write"/>. Not thread-safe.</summary>
public sealed class GeoTagWriter
{
    private static readonly JsonEncodedText Lat = JsonEncodedText.Encode("lat");
    private static readonly JsonEncodedText Lon = JsonEncodedText.Encode("lon");
    private static readonly JsonEncodedText AltM = JsonEncodedText.Encode("alt_m");
    private static readonly JsonEncodedText FixQuality = JsonEncodedText.Encode("fix_quality");
    private static readonly JsonEncodedText Satellites = JsonEncodedText.Encode("satellites");
    private static readonly JsonEncodedText Hdop = JsonEncodedText.Encode("hdop");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");
    private readonly ArrayBufferWriter<byte> _buffer = new(8192);
    private readonly Utf8JsonWriter _json;

    public GeoTagWriter() => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary><paramref name="jsonObject"/> (a complete JSON object) with <c>gps</c> appended.</summary>
    public ReadOnlyMemory<byte> Write(ReadOnlySpan<byte> jsonObject, GeoFix? fix)
    {
        var end = jsonObject.LastIndexOf((byte)'}');
        if (end < 1)
            throw new ArgumentException("expected a JSON object", nameof(jsonObject));
        var body = jsonObject[..end].TrimEnd(" \r\n\t"u8);
        _buffer.ResetWrittenCount();
        _buffer.Write(body);
        _buffer.Write(body[^1] == (byte)'{' ? "\"gps\":"u8 : ",\"gps\":"u8);
        _json.Reset(_buffer);
        var w = _json;
        if (fix is not { IsValid: true })
            w.WriteNullValue();
        else
        {
            w.WriteStartObject();
            w.WriteNumber(Lat, fix.Latitude);
            w.WriteNumber(Lon, fix.Longitude);
            if (fix.AltitudeM is { } alt)
                w.WriteNumber(AltM, alt);
            w.WriteNumber(FixQuality, (int)fix.Quality);
            if (fix.Satellites is { } sats)
                w.WriteNumber(Satellites, sats);
            if (fix.Hdop is { } hdop)
                w.WriteNumber(Hdop, hdop);
            Span<byte> time = stackalloc byte[Rfc3339.Length];
            w.WriteString(Time, time[..Rfc3339.Format(fix.Time, time)]);
            w.WriteEndObject();
        }
        w.Flush();
        _buffer.Write("}"u8);
        return _buffer.WrittenMemory;
    }
}
