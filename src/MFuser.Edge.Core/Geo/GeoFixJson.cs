using System.Text.Json;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Core.Geo;

/// <summary>The <c>gps</c> object of the <c>drivable</c> and <c>domain_shift</c> payloads (docs/mqtt-api.md): one shape,
/// written without allocating.</summary>
public static class GeoFixJson
{
    private static readonly JsonEncodedText Lat = JsonEncodedText.Encode("lat");
    private static readonly JsonEncodedText Lon = JsonEncodedText.Encode("lon");
    private static readonly JsonEncodedText AltM = JsonEncodedText.Encode("alt_m");
    private static readonly JsonEncodedText FixQuality = JsonEncodedText.Encode("fix_quality");
    private static readonly JsonEncodedText Satellites = JsonEncodedText.Encode("satellites");
    private static readonly JsonEncodedText Hdop = JsonEncodedText.Encode("hdop");
    private static readonly JsonEncodedText Time = JsonEncodedText.Encode("time");

    /// <summary>Writes <paramref name="fix"/> as a value (an object, or null when absent or invalid).</summary>
    public static void WriteValue(Utf8JsonWriter w, GeoFix? fix)
    {
        if (fix is not { IsValid: true })
        {
            w.WriteNullValue();
            return;
        }
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
}
