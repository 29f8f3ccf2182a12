using System.Text;
using MFuser.Edge.Serial.Gps;
using MFuser.Edge.Serial.Nmea;
using MFuser.Edge.Serial.Ports;
using MFuser.TestSupport;

namespace MFuser.Edge.Serial.Tests;

/// <summary>The GPS reader on a real socat pty pair: the test writes NMEA at the peer end.</summary>
public class GpsReaderTests
{
    private static SerialLinkOptions Options(PtyPair pair) => new()
    {
        Path = pair.Device,
        BaudRate = 9600,
        ReopenMin = TimeSpan.FromMilliseconds(50),
        ReopenMax = TimeSpan.FromMilliseconds(200),
    };

    private static void Send(Stream peer, string text)
    {
        peer.Write(Encoding.ASCII.GetBytes(text));
        peer.Flush();
    }

    [Fact]
    public void Lines_in_become_fixes_out_and_garbage_is_counted_and_skipped()
    {
        using var pair = new PtyPair();
        using var gps = new GpsReader(Options(pair));
        gps.Start();
        Wait.Until(() => gps.IsOpen, () => "port open");
        using var peer = pair.OpenPeer();

        Send(peer, "\u0001\u00ff garbage\r\n");                                          // MissingStart
        Send(peer, NmeaParserTests.Gga[..^2] + "00\r\n");                                 // ChecksumMismatch
        Send(peer, "$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74\r\n"); // Unsupported
        Send(peer, "$GPGGA," + new string('9', 300) + "\r\n");                            // TooLong
        // An RMC dated now: a date far from the system clock would not be believed (GpsFixTracker).
        var now = DateTimeOffset.UtcNow;
        var second = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, now.Second, TimeSpan.Zero);
        Send(peer, NmeaParserTests.WithChecksum($"GPRMC,{now:HHmmss},A,4807.038,N,01131.000,E,022.4,084.4,{now:ddMMyy},003.1,W") + "\r\n"
            + NmeaParserTests.WithChecksum($"GPGGA,{now:HHmmss},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,") + "\r\n");

        Wait.Until(() => gps.Fixes == 2, () => $"2 fixes, have {gps.Fixes}; {string.Join(", ", gps.Counters.Snapshot())}");
        var latest = gps.Latest;
        Assert.NotNull(latest.Fix);
        Assert.Equal(48 + 7.038 / 60, latest.Fix!.Latitude, 9);
        Assert.Equal(545.4, latest.Fix.AltitudeM);
        Assert.Equal(second, latest.Fix.Time);
        Assert.InRange(latest.Age, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Equal(1, gps.Counters[NmeaParseStatus.MissingStart]);
        Assert.Equal(1, gps.Counters[NmeaParseStatus.ChecksumMismatch]);
        Assert.Equal(1, gps.Counters[NmeaParseStatus.TooLong]);
        Assert.Equal(1, gps.Counters[NmeaParseStatus.Unsupported]);
        Assert.Equal(3, gps.Counters.Rejected);
        Assert.Null(latest.FreshOrNull(TimeSpan.FromTicks(-1)));
    }

    [Fact]
    public void Reader_recovers_when_the_port_disappears_and_comes_back()
    {
        using var pair = new PtyPair();
        using var gps = new GpsReader(Options(pair));
        gps.Start();
        Wait.Until(() => gps.IsOpen, () => "port open");
        using (var peer = pair.OpenPeer())
            Send(peer, NmeaParserTests.Gga + "\r\n");
        Wait.Until(() => gps.Fixes == 1, () => "first fix");

        pair.Stop(); // the device vanishes
        Wait.Until(() => gps.IoErrors >= 1 && !gps.IsOpen, () => $"port loss noticed (io errors {gps.IoErrors}, open {gps.IsOpen})");
        Thread.Sleep(400); // a few failed reopen attempts while it is gone
        Assert.Equal(1, gps.Opens);

        pair.Restart();
        Wait.Until(() => gps.Opens == 2 && gps.IsOpen, () => $"reopened (opens {gps.Opens})");
        var moved = NmeaParserTests.WithChecksum("GPGGA,123520,4808.000,N,01131.000,E,2,09,0.8,546.0,M,46.9,M,,");
        using (var peer = pair.OpenPeer())
            Send(peer, moved + "\r\n");
        Wait.Until(() => gps.Fixes == 2, () => $"fix after the reopen (fixes {gps.Fixes})");
        Assert.Equal(48 + 8.0 / 60, gps.Latest.Fix!.Latitude, 9);
        Assert.Equal(MFuser.Edge.Core.Geo.GeoFixQuality.Dgps, gps.Latest.Fix.Quality);
    }

    [Fact]
    public void Fuzzed_lines_over_the_wire_are_counted_and_valid_ones_still_parse_afterwards()
    {
        var lines = NmeaFuzzTests.Lines(seed: 4242, count: 3000);
        var expected = new NmeaCounters();
        foreach (var line in lines)
            expected.Add(NmeaParser.Parse(line, out _));

        using var pair = new PtyPair();
        using var gps = new GpsReader(Options(pair));
        gps.Start();
        Wait.Until(() => gps.IsOpen, () => "port open");
        using var peer = pair.OpenPeer();
        var wire = new MemoryStream();
        foreach (var line in lines)
        {
            wire.Write(line);
            wire.Write("\r\n"u8);
        }
        // the peer writes in slices so the pty buffer never blocks for long
        var bytes = wire.ToArray();
        for (var at = 0; at < bytes.Length; at += 1024)
            peer.Write(bytes, at, Math.Min(1024, bytes.Length - at));
        peer.Flush();
        var total = (long)lines.Count;
        Wait.Until(() => Enum.GetValues<NmeaParseStatus>().Sum(s => gps.Counters[s]) == total,
            () => $"{total} lines counted, have {Enum.GetValues<NmeaParseStatus>().Sum(s => gps.Counters[s])}");
        foreach (var status in Enum.GetValues<NmeaParseStatus>())
            Assert.True(expected[status] == gps.Counters[status], $"{status}: expected {expected[status]}, counted {gps.Counters[status]}");
        Assert.True(gps.Counters.Rejected > 1000, $"rejected {gps.Counters.Rejected}");

        var fixesBefore = gps.Fixes;
        var after = NmeaParserTests.WithChecksum("GPGGA,101112,0130.000,S,03648.000,E,1,07,1.1,1700.0,M,0.0,M,,");
        Send(peer, after + "\r\n");
        Wait.Until(() => gps.Fixes == fixesBefore + 1, () => "a valid fix after the fuzz");
        Assert.Equal(-1.5, gps.Latest.Fix!.Latitude, 9);
        Assert.Equal(1700.0, gps.Latest.Fix.AltitudeM);
    }
}
