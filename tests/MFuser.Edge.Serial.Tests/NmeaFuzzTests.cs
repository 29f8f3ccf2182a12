using System.Text;
using System.Text.RegularExpressions;
using MFuser.Edge.Serial.Gps;
using MFuser.Edge.Serial.Nmea;

namespace MFuser.Edge.Serial.Tests;

/// <summary>Seeded fuzz of the parser and the fix tracker: random bytes and mutations of valid sentences (flipped,
/// inserted, deleted and truncated bytes, with and without a recomputed checksum; numeric fields replaced by other
/// number syntaxes — exponents, signs, hex, infinities — and dates anywhere in the century).</summary>
public class NmeaFuzzTests
{
    internal static readonly string[] Valid =
    [
        NmeaParserTests.Gga, NmeaParserTests.Rmc,
        NmeaParserTests.WithChecksum("GNGGA,101010.50,5130.000,N,00007.500,W,4,12,0.6,35.0,M,47.0,M,1.0,0001"),
        NmeaParserTests.WithChecksum("GNRMC,101010.50,A,5130.000,N,00007.500,W,0.1,12.0,261126,,,R,V"),
        NmeaParserTests.WithChecksum("GPRMC,101010,A,5130.000,N,00007.500,W,0.1,12.0,010179,,"),
    ];

    /// <summary>Number syntaxes a lenient parser would take: each must be refused where a coordinate is expected.</summary>
    private static readonly string[] NumberLookalikes =
        ["0000e5", "4807e1", "4807.0e8", "1E3", "+4807.1", "-4807.1", "4807.1.2", "Infinity", "NaN", "0x1A", "48 07.1", "4807.", ".4807", "٤٨٠٧.١"];

    /// <summary><paramref name="count"/> fuzz lines without CR/LF (each is exactly one line on the wire).</summary>
    internal static List<byte[]> Lines(int seed, int count)
    {
        var random = new Random(seed);
        var lines = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var basis = Encoding.ASCII.GetBytes(Valid[random.Next(Valid.Length)]).ToList();
            switch (random.Next(8))
            {
                case 0:
                    basis = Enumerable.Range(0, random.Next(0, 140)).Select(_ => (byte)random.Next(256)).ToList();
                    break;
                case 1:
                    basis[random.Next(basis.Count)] = (byte)random.Next(256);
                    break;
                case 2:
                    basis.Insert(random.Next(basis.Count), (byte)random.Next(0x20, 0x7F));
                    break;
                case 3:
                    basis.RemoveAt(random.Next(basis.Count));
                    break;
                case 4:
                    basis = basis.Take(random.Next(basis.Count)).ToList();
                    break;
                case 5:
                    // replace a whole field with another number syntax or a random date, checksum fixed up
                    var fields = Body(basis).Split(',');
                    var at = 1 + random.Next(fields.Length - 1);
                    fields[at] = random.Next(2) == 0
                        ? NumberLookalikes[random.Next(NumberLookalikes.Length)]
                        : $"{random.Next(1, 29):D2}{random.Next(1, 13):D2}{random.Next(100):D2}";
                    basis = Encoding.UTF8.GetBytes(NmeaParserTests.WithChecksum(string.Join(',', fields))).ToList();
                    break;
                default:
                    // change a field character and fix up the checksum, so the field checks are what must catch it
                    var body = Body(basis).ToCharArray();
                    const string alphabet = "0123456789.,-+eENSEWAVM";
                    body[random.Next(body.Length)] = alphabet[random.Next(alphabet.Length)];
                    basis = Encoding.ASCII.GetBytes(NmeaParserTests.WithChecksum(new string(body))).ToList();
                    break;
            }
            basis.RemoveAll(b => b is (byte)'\n' or (byte)'\r');
            lines.Add(basis.ToArray());
        }
        return lines;
    }

    private static string Body(List<byte> sentence)
    {
        var text = Encoding.ASCII.GetString(sentence.ToArray());
        return text[1..text.IndexOf('*')];
    }

    /// <summary>What an accepted coordinate field may look like: ddmm or dddmm, then optionally '.' and digits.</summary>
    private static readonly Regex StrictLatitude = new(@"^\d{4}(\.\d{1,10})?$"), StrictLongitude = new(@"^\d{5}(\.\d{1,10})?$");

    [Fact]
    public void Every_accepted_fix_has_strict_coordinates_in_range_and_a_time_near_the_clock()
    {
        var tracker = new GpsFixTracker();
        var clock = new DateTimeOffset(2026, 11, 26, 10, 10, 0, TimeSpan.Zero);
        var fixes = 0;
        foreach (var line in Lines(seed: 4711, count: 20_000))
        {
            clock = clock.AddMilliseconds(100);
            if (NmeaParser.Parse(line, out var s) != NmeaParseStatus.Ok || tracker.Update(s, clock) is not { } fix)
                continue;
            fixes++;
            var fields = Encoding.ASCII.GetString(line).Split(',');
            var lat = s.Kind == NmeaSentenceKind.Gga ? 2 : 3;
            Assert.Matches(StrictLatitude, fields[lat]);
            Assert.Matches(StrictLongitude, fields[lat + 2]);
            Assert.True(double.IsFinite(fix.Latitude) && Math.Abs(fix.Latitude) <= 90, $"latitude {fix.Latitude} from {fields[lat]}");
            Assert.True(double.IsFinite(fix.Longitude) && Math.Abs(fix.Longitude) <= 180, $"longitude {fix.Longitude} from {fields[lat + 2]}");
            Assert.True((fix.Time - clock).Duration() <= TimeSpan.FromDays(1.5), $"fix time {fix.Time:O} for clock {clock:O}");
        }
        Assert.True(fixes > 1000, $"only {fixes} fixes: the fuzz no longer exercises the tracker");
        Assert.True(tracker.DatesIgnored > 0, "no far-away RMC date was fuzzed");
    }

    [Fact]
    public void Ten_thousand_fuzzed_lines_never_throw_and_every_outcome_is_counted()
    {
        var counters = new NmeaCounters();
        var lines = Lines(seed: 20261126, count: 10_000);
        foreach (var line in lines)
        {
            var status = NmeaParser.Parse(line, out var s);
            counters.Add(status);
            if (status == NmeaParseStatus.Ok && s.HasFix)
            {
                Assert.InRange(s.Latitude, -90, 90);
                Assert.InRange(s.Longitude, -180, 180);
            }
        }
        var total = Enum.GetValues<NmeaParseStatus>().Sum(st => counters[st]);
        Assert.Equal(lines.Count, total);
        Assert.True(counters.Rejected > lines.Count / 2, $"only {counters.Rejected} rejected: the mutations are too mild");
        Assert.True(counters[NmeaParseStatus.ChecksumMismatch] > 0 && counters[NmeaParseStatus.BadField] > 0
            && counters[NmeaParseStatus.NonAscii] > 0,
            string.Join(", ", counters.Snapshot()));
        foreach (var valid in Valid)
            Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(valid), out _));
    }
}
