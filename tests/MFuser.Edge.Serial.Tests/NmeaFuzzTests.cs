using System.Text;
using MFuser.Edge.Serial.Nmea;

namespace MFuser.Edge.Serial.Tests;

/// <summary>Seeded fuzz of the parser: random bytes and mutations of valid sentences (flipped, inserted, deleted and
/// truncated bytes, with and without a recomputed checksum).</summary>
public class NmeaFuzzTests
{
    internal static readonly string[] Valid =
    [
        NmeaParserTests.Gga, NmeaParserTests.Rmc,
        NmeaParserTests.WithChecksum("GNGGA,101010.50,5130.000,N,00007.500,W,4,12,0.6,35.0,M,47.0,M,1.0,0001"),
        NmeaParserTests.WithChecksum("GNRMC,101010.50,A,5130.000,N,00007.500,W,0.1,12.0,261126,,,R,V"),
    ];

    /// <summary><paramref name="count"/> fuzz lines without CR/LF (each is exactly one line on the wire).</summary>
    internal static List<byte[]> Lines(int seed, int count)
    {
        var random = new Random(seed);
        var lines = new List<byte[]>(count);
        for (var i = 0; i < count; i++)
        {
            var basis = Encoding.ASCII.GetBytes(Valid[random.Next(Valid.Length)]).ToList();
            switch (random.Next(6))
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
                default:
                    // change a field character and fix up the checksum, so the field checks are what must catch it
                    var text = Encoding.ASCII.GetString(basis.ToArray());
                    var body = text[1..text.IndexOf('*')].ToCharArray();
                    body[random.Next(body.Length)] = "0123456789.,-NSEWAVM"[random.Next(20)];
                    basis = Encoding.ASCII.GetBytes(NmeaParserTests.WithChecksum(new string(body))).ToList();
                    break;
            }
            basis.RemoveAll(b => b is (byte)'\n' or (byte)'\r');
            lines.Add(basis.ToArray());
        }
        return lines;
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
        Assert.True(counters[NmeaParseStatus.ChecksumMismatch] > 0 && counters[NmeaParseStatus.BadField] > 0 && counters[NmeaParseStatus.NonAscii] > 0,
            string.Join(", ", counters.Snapshot()));
        foreach (var valid in Valid)
            Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(valid), out _));
    }
}
