namespace MFuser.Edge.Serial.Nmea;

/// <summary>The NMEA sentence types the parser decodes.</summary>
public enum NmeaSentenceKind
{
    /// <summary>GGA: time, position, fix quality, satellites, HDOP, altitude.</summary>
    Gga,

    /// <summary>RMC: time, status, position, date.</summary>
    Rmc,
}

/// <summary>
/// The decoded fields of one GGA or RMC sentence (a plain struct: parsing allocates nothing). Fields a sentence
/// leaves empty are NaN / −1; <see cref="HasFix"/> is false for a GGA with quality 0 or an RMC with status V.
/// </summary>
public struct NmeaSentence
{
    public NmeaSentenceKind Kind;

    /// <summary>Talker id, e.g. "GP", "GN", packed as two ASCII bytes (high byte first).</summary>
    public ushort Talker;

    /// <summary>UTC time of day of the fix; <see cref="TimeSpan.MinValue"/> when the field is empty.</summary>
    public TimeSpan TimeOfDay;

    /// <summary>Degrees, north positive; NaN when empty.</summary>
    public double Latitude;

    /// <summary>Degrees, east positive; NaN when empty.</summary>
    public double Longitude;

    /// <summary>GGA field 6 (0 = invalid … 8 = simulation); for RMC derived from the status and mode indicator.</summary>
    public int Quality;

    /// <summary>GGA: satellites in use (−1 when empty).</summary>
    public int Satellites;

    /// <summary>GGA: horizontal dilution of precision (NaN when empty).</summary>
    public double Hdop;

    /// <summary>GGA: altitude above mean sea level in metres (NaN when empty).</summary>
    public double AltitudeM;

    /// <summary>RMC: the UTC date (null when empty).</summary>
    public DateOnly? Date;

    /// <summary>True when the sentence reports a usable position.</summary>
    public readonly bool HasFix => Quality > 0 && !double.IsNaN(Latitude) && !double.IsNaN(Longitude);
}
