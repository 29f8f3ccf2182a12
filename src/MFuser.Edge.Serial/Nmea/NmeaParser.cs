using System.Buffers.Text;

namespace MFuser.Edge.Serial.Nmea;

/// <summary>
/// NMEA 0183 line parser for GGA and RMC (any talker: GP, GN, GL, GA, BD, …). Pure and allocation-free: it works on
/// the raw bytes of one line, verifies the checksum before looking at any field, and reports why a line was rejected
/// instead of throwing — whatever the bytes are.
/// </summary>
public static class NmeaParser
{
    /// <summary>Longest line accepted, CR/LF excluded. The standard allows 82 characters including CR/LF; receivers
    /// with extra fields exceed it a little, so we allow some slack.</summary>
    public const int MaxLineLength = 120;

    /// <summary>Parses one line (a trailing CR/LF is ignored). On <see cref="NmeaParseStatus.Ok"/> the fields are in
    /// <paramref name="sentence"/>; otherwise its content is unspecified.</summary>
    public static NmeaParseStatus Parse(ReadOnlySpan<byte> line, out NmeaSentence sentence)
    {
        sentence = default;
        line = TrimEnd(line);
        if (line.IsEmpty)
            return NmeaParseStatus.Empty;
        if (line.Length > MaxLineLength)
            return NmeaParseStatus.TooLong;
        if (line[0] != (byte)'$')
            return NmeaParseStatus.MissingStart;
        foreach (var b in line)
            if (b is < 0x20 or > 0x7E)
                return NmeaParseStatus.NonAscii;
        var star = line.Length - 3;
        if (star < 1 || line[star] != (byte)'*' || !TryHex(line[star + 1], out var hi) || !TryHex(line[star + 2], out var lo))
            return NmeaParseStatus.MissingChecksum;
        var body = line[1..star];
        if (body.IndexOf((byte)'*') >= 0)
            return NmeaParseStatus.MissingChecksum;
        byte sum = 0;
        foreach (var b in body)
            sum ^= b;
        if (sum != (hi << 4 | lo))
            return NmeaParseStatus.ChecksumMismatch;

        var fields = new FieldReader(body);
        var address = fields.Next();
        if (address.Length != 5 || !IsUpperAlnum(address))
            return address.Length > 0 && address[0] == (byte)'P' ? NmeaParseStatus.Unsupported : NmeaParseStatus.BadAddress;
        sentence.Talker = (ushort)(address[0] << 8 | address[1]);
        var type = address[2..];
        if (type.SequenceEqual("GGA"u8))
        {
            sentence.Kind = NmeaSentenceKind.Gga;
            return ParseGga(ref fields, ref sentence);
        }
        if (type.SequenceEqual("RMC"u8))
        {
            sentence.Kind = NmeaSentenceKind.Rmc;
            return ParseRmc(ref fields, ref sentence);
        }
        return NmeaParseStatus.Unsupported;
    }

    // $--GGA,hhmmss.ss,llll.ll,a,yyyyy.yy,a,q,ss,h.h,a.a,M,g.g,M,age,station*hh
    private static NmeaParseStatus ParseGga(ref FieldReader f, ref NmeaSentence s)
    {
        if (f.Remaining < 14)
            return NmeaParseStatus.TooFewFields;
        if (!TryTime(f.Next(), out s.TimeOfDay)
            || !TryCoordinate(f.Next(), f.Next(), 2, (byte)'N', (byte)'S', 90, out s.Latitude)
            || !TryCoordinate(f.Next(), f.Next(), 3, (byte)'E', (byte)'W', 180, out s.Longitude)
            || !TryInt(f.Next(), 0, 9, 0, out s.Quality)
            || !TryInt(f.Next(), 0, 99, -1, out s.Satellites)
            || !TryNumber(f.Next(), 0, 100, out s.Hdop)
            || !TryNumber(f.Next(), -10_000, 100_000, out s.AltitudeM)
            || !IsUnit(f.Next()))
            return NmeaParseStatus.BadField;
        if (s.Quality > 0 && (double.IsNaN(s.Latitude) || double.IsNaN(s.Longitude)))
            return NmeaParseStatus.BadField;
        return NmeaParseStatus.Ok;
    }

    // $--RMC,hhmmss.ss,A,llll.ll,a,yyyyy.yy,a,knots,course,ddmmyy,magvar,E|W[,mode[,navstatus]]*hh
    private static NmeaParseStatus ParseRmc(ref FieldReader f, ref NmeaSentence s)
    {
        if (f.Remaining < 11)
            return NmeaParseStatus.TooFewFields;
        if (!TryTime(f.Next(), out s.TimeOfDay))
            return NmeaParseStatus.BadField;
        var status = f.Next();
        if (status.Length != 1 || status[0] is not ((byte)'A' or (byte)'V'))
            return NmeaParseStatus.BadField;
        if (!TryCoordinate(f.Next(), f.Next(), 2, (byte)'N', (byte)'S', 90, out s.Latitude)
            || !TryCoordinate(f.Next(), f.Next(), 3, (byte)'E', (byte)'W', 180, out s.Longitude)
            || !TryNumber(f.Next(), 0, 10_000, out _)
            || !TryNumber(f.Next(), 0, 360, out _)
            || !TryDate(f.Next(), out s.Date))
            return NmeaParseStatus.BadField;
        f.Next(); // magnetic variation
        f.Next(); // its direction
        var mode = f.Remaining > 0 ? f.Next() : default;
        s.Satellites = -1;
        s.Hdop = s.AltitudeM = double.NaN;
        s.Quality = status[0] == (byte)'V' ? 0 : QualityOfMode(mode);
        if (s.Quality > 0 && (double.IsNaN(s.Latitude) || double.IsNaN(s.Longitude)))
            return NmeaParseStatus.BadField;
        return NmeaParseStatus.Ok;
    }

    /// <summary>NMEA 2.3+ mode indicator → GGA-style quality (A/absent autonomous, D differential, E estimated, …).</summary>
    private static int QualityOfMode(ReadOnlySpan<byte> mode) => mode.Length == 1
        ? mode[0] switch
        {
            (byte)'D' => 2,
            (byte)'P' => 3,
            (byte)'R' => 4,
            (byte)'F' => 5,
            (byte)'E' => 6,
            (byte)'M' => 7,
            (byte)'S' => 8,
            (byte)'N' => 0,
            _ => 1,
        }
        : 1;

    private static bool TryTime(ReadOnlySpan<byte> f, out TimeSpan time)
    {
        time = TimeSpan.MinValue;
        if (f.IsEmpty)
            return true;
        if (f.Length < 6 || !TwoDigits(f, 0, out var h) || !TwoDigits(f, 2, out var m) || !TwoDigits(f, 4, out var sec)
            || h > 23 || m > 59 || sec > 60)
            return false;
        double fraction = 0;
        if (f.Length > 6)
        {
            if (f[6] != (byte)'.' || f.Length == 7 || !AllDigits(f[7..]) ||
                !Utf8Parser.TryParse(f[6..], out fraction, out var used) || used != f.Length - 6)
                return false;
        }
        time = new TimeSpan(0, h, m, sec) + TimeSpan.FromTicks((long)Math.Floor(fraction * TimeSpan.TicksPerSecond)); // .9999999 is not a second more
        return true;
    }

    private static bool TryDate(ReadOnlySpan<byte> f, out DateOnly? date)
    {
        date = null;
        if (f.IsEmpty)
            return true;
        if (f.Length != 6 || !TwoDigits(f, 0, out var d) || !TwoDigits(f, 2, out var m) || !TwoDigits(f, 4, out var y)
            || m is < 1 or > 12 || d < 1)
            return false;
        var year = y < 80 ? 2000 + y : 1900 + y;
        if (d > DateTime.DaysInMonth(year, m))
            return false;
        date = new DateOnly(year, m, d);
        return true;
    }

    /// <summary>Most fraction digits of the minutes accepted (receivers send 2 to 7).</summary>
    private const int MaxMinuteDecimals = 10;

    /// <summary>"ddmm.mmmm" (or "dddmm.mmmm") plus a hemisphere field; both empty → NaN. Strict: digits and at most
    /// one decimal point right after the two minute digits — no sign, exponent or other number syntax.</summary>
    private static bool TryCoordinate(ReadOnlySpan<byte> value, ReadOnlySpan<byte> hemisphere, int degreeDigits, byte positive,
        byte negative, double limit, out double degrees)
    {
        degrees = double.NaN;
        if (value.IsEmpty && hemisphere.IsEmpty)
            return true;
        if (hemisphere.Length != 1 || (hemisphere[0] != positive && hemisphere[0] != negative))
            return false;
        var integral = degreeDigits + 2;
        if (value.Length < integral || !AllDigits(value[..integral]))
            return false;
        var fraction = value[integral..];
        if (!fraction.IsEmpty && (fraction[0] != (byte)'.' || fraction.Length is 1 or > MaxMinuteDecimals + 1 || !AllDigits(fraction[1..])))
            return false;
        var whole = 0;
        for (var i = 0; i < degreeDigits; i++)
            whole = whole * 10 + (value[i] - '0');
        if (!Utf8Parser.TryParse(value[degreeDigits..], out double minutes, out var used) || used != value.Length - degreeDigits || minutes >= 60)
            return false;
        degrees = whole + minutes / 60.0;
        if (degrees > limit)
            return false;
        if (hemisphere[0] == negative)
            degrees = -degrees;
        return true;
    }

    private static bool TryInt(ReadOnlySpan<byte> f, int min, int max, int empty, out int value)
    {
        value = empty;
        if (f.IsEmpty)
            return true;
        if (f.Length > 4 || !AllDigits(f))
            return false;
        value = 0;
        foreach (var b in f)
            value = value * 10 + (b - '0');
        return value >= min && value <= max;
    }

    private static bool TryNumber(ReadOnlySpan<byte> f, double min, double max, out double value)
    {
        value = double.NaN;
        if (f.IsEmpty)
            return true;
        foreach (var b in f)
            if (!(b is >= (byte)'0' and <= (byte)'9' || b is (byte)'.' or (byte)'-'))
                return false;
        return Utf8Parser.TryParse(f, out value, out var used) && used == f.Length && value >= min && value <= max;
    }

    private static bool IsUnit(ReadOnlySpan<byte> f) => f.IsEmpty || (f.Length == 1 && f[0] == (byte)'M');

    private static bool TwoDigits(ReadOnlySpan<byte> f, int at, out int value)
    {
        value = 0;
        if (f[at] is < (byte)'0' or > (byte)'9' || f[at + 1] is < (byte)'0' or > (byte)'9')
            return false;
        value = (f[at] - '0') * 10 + (f[at + 1] - '0');
        return true;
    }

    private static bool AllDigits(ReadOnlySpan<byte> f)
    {
        foreach (var b in f)
            if (b is < (byte)'0' or > (byte)'9')
                return false;
        return true;
    }

    private static bool IsUpperAlnum(ReadOnlySpan<byte> f)
    {
        foreach (var b in f)
            if (!(b is >= (byte)'A' and <= (byte)'Z' || b is >= (byte)'0' and <= (byte)'9'))
                return false;
        return true;
    }

    private static bool TryHex(byte b, out int value)
    {
        value = b switch
        {
            >= (byte)'0' and <= (byte)'9' => b - '0',
            >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
            >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
            _ => -1,
        };
        return value >= 0;
    }

    private static ReadOnlySpan<byte> TrimEnd(ReadOnlySpan<byte> line)
    {
        var end = line.Length;
        while (end > 0 && line[end - 1] is (byte)'\r' or (byte)'\n' or (byte)' ')
            end--;
        return line[..end];
    }

    /// <summary>Splits a sentence body at commas without allocating.</summary>
    private ref struct FieldReader(ReadOnlySpan<byte> body)
    {
        private ReadOnlySpan<byte> _rest = body;
        private bool _done;

        /// <summary>Fields not read yet.</summary>
        public readonly int Remaining => _done ? 0 : _rest.Count((byte)',') + 1;

        /// <summary>The next field (empty once all are read).</summary>
        public ReadOnlySpan<byte> Next()
        {
            if (_done)
                return default;
            var comma = _rest.IndexOf((byte)',');
            if (comma < 0)
            {
                _done = true;
                return _rest;
            }
            var field = _rest[..comma];
            _rest = _rest[(comma + 1)..];
            return field;
        }
    }
}
