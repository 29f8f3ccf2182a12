namespace MFuser.Edge.Serial.Nmea;

/// <summary>Outcome of parsing one line: a decoded sentence, a well-formed sentence of a type we do not decode, or
/// the reason the line was rejected.</summary>
public enum NmeaParseStatus
{
    Ok = 0,

    /// <summary>Checksum-valid sentence of another type (GSV, VTG, …): ignored, not an error.</summary>
    Unsupported,

    /// <summary>Blank line.</summary>
    Empty,

    /// <summary>Longer than <see cref="NmeaParser.MaxLineLength"/> bytes (NMEA allows 82).</summary>
    TooLong,

    /// <summary>Does not start with '$'.</summary>
    MissingStart,

    /// <summary>Contains a byte outside printable ASCII.</summary>
    NonAscii,

    /// <summary>No "*hh" checksum at the end, or hh is not two hex digits.</summary>
    MissingChecksum,

    /// <summary>The XOR of the characters between '$' and '*' differs from hh.</summary>
    ChecksumMismatch,

    /// <summary>The address field is not a 2-letter talker plus a 3-letter type.</summary>
    BadAddress,

    /// <summary>Fewer fields than the sentence type needs.</summary>
    TooFewFields,

    /// <summary>A field is out of range or not a number (time, latitude, longitude, hemisphere, date, quality, …).</summary>
    BadField,
}

/// <summary>Thread-safe counts of parse outcomes, one per <see cref="NmeaParseStatus"/>.</summary>
public sealed class NmeaCounters
{
    private static readonly int Count = Enum.GetValues<NmeaParseStatus>().Length;
    private readonly long[] _counts = new long[Count];

    public void Add(NmeaParseStatus status) => Interlocked.Increment(ref _counts[(int)status]);

    public long this[NmeaParseStatus status] => Interlocked.Read(ref _counts[(int)status]);

    /// <summary>Lines rejected for any reason (everything except <see cref="NmeaParseStatus.Ok"/> and
    /// <see cref="NmeaParseStatus.Unsupported"/>; blank lines are not counted as rejected).</summary>
    public long Rejected
    {
        get
        {
            long sum = 0;
            for (var i = (int)NmeaParseStatus.TooLong; i < Count; i++)
                sum += Interlocked.Read(ref _counts[i]);
            return sum;
        }
    }

    /// <summary>Non-zero counts by name, for logs and stats.</summary>
    public IReadOnlyDictionary<string, long> Snapshot()
    {
        var result = new Dictionary<string, long>();
        foreach (var status in Enum.GetValues<NmeaParseStatus>())
            if (this[status] is var n and > 0)
                result[status.ToString()] = n;
        return result;
    }
}
