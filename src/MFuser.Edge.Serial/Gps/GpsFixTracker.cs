using MFuser.Edge.Core.Geo;
using MFuser.Edge.Serial.Nmea;

namespace MFuser.Edge.Serial.Gps;

/// <summary>
/// Turns decoded GGA/RMC sentences into <see cref="GeoFix"/>es (pure, single-threaded). GGA brings quality,
/// satellites, HDOP and altitude but no date; RMC brings the date. An RMC's date is believed only when its time lies
/// within <see cref="MaxClockDistance"/> of the receive clock (a receiver's bad date, or a hostile one dated 2079,
/// is ignored); a GGA borrows it for <see cref="MaxDateAge"/> after that RMC arrived, across midnight. Otherwise a
/// fix is dated by the receive clock (a time of day more than 12 h after the receive time is taken as yesterday's).
/// An RMC fix borrows altitude/satellites/HDOP from a GGA of the same second.
/// </summary>
public sealed class GpsFixTracker
{
    /// <summary>Farthest an RMC's date and time may lie from the receive clock and still date fixes.</summary>
    public static readonly TimeSpan MaxClockDistance = TimeSpan.FromDays(1);

    /// <summary>How long after an RMC a GGA may borrow its date.</summary>
    public static readonly TimeSpan MaxDateAge = TimeSpan.FromMinutes(10);

    private DateTimeOffset? _rmcTime;
    private DateTimeOffset _rmcReceived;
    private TimeSpan _ggaTime = TimeSpan.MinValue;
    private NmeaSentence _lastGga;

    /// <summary>RMC dates ignored because they lay more than <see cref="MaxClockDistance"/> from the receive clock.</summary>
    public long DatesIgnored { get; private set; }

    /// <summary>Feeds one decoded sentence; returns the fix it yields, or null when it reports no fix (counted by the
    /// caller as a no-fix sentence).</summary>
    public GeoFix? Update(in NmeaSentence s, DateTimeOffset receivedUtc)
    {
        DateTimeOffset? rmcTime = null;
        if (s.Kind == NmeaSentenceKind.Rmc && s.Date is { } date && s.TimeOfDay != TimeSpan.MinValue)
        {
            var full = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) + s.TimeOfDay;
            if ((full - receivedUtc).Duration() <= MaxClockDistance)
                (rmcTime, _rmcTime, _rmcReceived) = (full, full, receivedUtc);
            else
                DatesIgnored++;
        }
        if (s.Kind == NmeaSentenceKind.Gga)
        {
            _lastGga = s;
            _ggaTime = s.TimeOfDay;
        }
        if (!s.HasFix)
            return null;
        var time = rmcTime ?? FixTime(s.TimeOfDay, receivedUtc);
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
        var rmcAge = receivedUtc - _rmcReceived;
        if (_rmcTime is { } rmc && rmcAge >= TimeSpan.Zero && rmcAge <= MaxDateAge)
            return NearestDay(rmc, timeOfDay);
        var day = new DateTimeOffset(receivedUtc.UtcDateTime.Date, TimeSpan.Zero);
        if (timeOfDay - receivedUtc.UtcDateTime.TimeOfDay > TimeSpan.FromHours(12))
            day = day.AddDays(-1);
        return day + timeOfDay;
    }

    /// <summary>The time of day on the day around <paramref name="anchor"/> that lies closest to it, so a GGA just
    /// after midnight following an RMC just before it gets the next date.</summary>
    private static DateTimeOffset NearestDay(DateTimeOffset anchor, TimeSpan timeOfDay)
    {
        var candidate = new DateTimeOffset(anchor.UtcDateTime.Date, TimeSpan.Zero) + timeOfDay;
        if (candidate - anchor > TimeSpan.FromHours(12))
            return candidate.AddDays(-1);
        return anchor - candidate > TimeSpan.FromHours(12) ? candidate.AddDays(1) : candidate;
    }

    private static double? Nullable(double v) => double.IsNaN(v) ? null : v;
}
