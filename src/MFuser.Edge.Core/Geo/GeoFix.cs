namespace MFuser.Edge.Core.Geo;

/// <summary>NMEA GGA fix quality (field 6): how the position was obtained.</summary>
public enum GeoFixQuality
{
    Invalid = 0,
    Gps = 1,
    Dgps = 2,
    Pps = 3,
    RtkFixed = 4,
    RtkFloat = 5,
    DeadReckoning = 6,
    Manual = 7,
    Simulation = 8,
}

/// <summary>
/// One position fix from the vehicle's GNSS receiver (the serial NMEA reader fills it from GGA/RMC); geotags
/// frames, shift episodes and field logs. <paramref name="AltitudeM"/> is above mean sea level (GGA field 9),
/// <paramref name="Time"/> is the receiver's UTC time of the fix.
/// </summary>
public sealed record GeoFix(
    double Latitude,
    double Longitude,
    double? AltitudeM,
    GeoFixQuality Quality,
    DateTimeOffset Time,
    int? Satellites = null,
    double? Hdop = null)
{
    /// <summary>True for a usable position (quality other than <see cref="GeoFixQuality.Invalid"/>).</summary>
    public bool IsValid => Quality != GeoFixQuality.Invalid;
}
