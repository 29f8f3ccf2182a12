using MFuser.Edge.Core.Geo;
using MFuser.Edge.Serial.Nmea;

namespace MFuser.Edge.Serial.Gps;

/// <summary>
/// Turns decoded GGA/RMC sentences into <see cref="GeoFix"/>es (pure, single-threaded). GGA brings quality,
/// satellites, HDOP and altitude but no date; RMC brings the date. A fix's date is the last RMC's date, or — before
/// any RMC — the receive-time UTC date (a time of day more than 12 h after the receive time is taken as yesterday's).
/// An RMC fix borrows altitude/satellites/HDOP from a GGA of the same second.
/// </summary>
public sealed class GpsFixTracker
{
    private DateOnly? _date;
    private TimeSpan _ggaTime = TimeSpan.MinValue;
    private NmeaSentence _lastGga;

    /// <summary>Feeds one decoded sentence; returns the fix it yields, or null when it reports no fix (counted by the
    /// caller as a no-fix sentence).</summary>
    public GeoFix? Update(in NmeaSentence s, DateTimeOffset receivedUtc)
    {
        if (s.Kind == NmeaSentenceKind.Rmc && s.Date is { } date)
            _date = date;
        if (s.Kind == NmeaSentenceKind.Gga)
        {
            _lastGga = s;
            _ggaTime = s.TimeOfDay;
        }
        if (!s.HasFix)
            return null;
        var time = FixTime(s.TimeOfDay, receivedUtc);
        if (s.Kind == NmeaSentenceKind.Gga)
            return new GeoFix(s.Latitude, s.Longitude, Nullable(s.AltitudeM), (GeoFixQuality)s.Quality, time,
                s.Satellites >= 0 ? s.Satellites : null, Nullable(s.Hdop));
        var sameSecond = _ggaTime != TimeSpan.MinValue && _ggaTime == s.TimeOfDay;
        return new GeoFix(s.Latitude, s.Longitude, sameSecond ? Nullable(_lastGga.AltitudeM) : null, (GeoFixQuality)s.Quality, time,
            sameSecond && _lastGga.Satellites >= 0 ? _lastGga.Satellites : null, sameSecond ? Nullable(_lastGga.Hdop) : null);
    }

    private DateTimeOffset FixTime(TimeSpan timeOfDay, DateTimeOffset receivedUtc)
    {
        if (timeOfDay == TimeSpan.MinValue)
            return receivedUtc;
        if (_date is { } date)
            return new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + timeOfDay;
        var day = new DateTimeOffset(receivedUtc.UtcDateTime.Date, TimeSpan.Zero);
        if (timeOfDay - receivedUtc.UtcDateTime.TimeOfDay > TimeSpan.FromHours(12))
            day = day.AddDays(-1);
        return day + timeOfDay;
    }

    private static double? Nullable(double v) => double.IsNaN(v) ? null : v;
}
