using System.Text;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Serial.Gps;
using MFuser.Edge.Serial.Nmea;

namespace MFuser.Edge.Serial.Tests;

public class NmeaParserTests
{
    internal const string Gga = "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47";
    internal const string Rmc = "$GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W*6A";

    [Fact]
    public void Gga_decodes_position_quality_satellites_hdop_altitude()
    {
        Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(Gga + "\r\n"), out var s));
        Assert.Equal(NmeaSentenceKind.Gga, s.Kind);
        Assert.Equal(48 + 7.038 / 60, s.Latitude, 12);
        Assert.Equal(11 + 31.0 / 60, s.Longitude, 12);
        Assert.Equal(1, s.Quality);
        Assert.Equal(8, s.Satellites);
        Assert.Equal(0.9, s.Hdop);
        Assert.Equal(545.4, s.AltitudeM);
        Assert.Equal(new TimeSpan(12, 35, 19), s.TimeOfDay);
        Assert.True(s.HasFix);
    }

    [Fact]
    public void Rmc_decodes_date_and_southern_western_hemispheres()
    {
        var line = WithChecksum("GNRMC,235959.250,A,3351.123,S,15112.500,W,0.0,,311224,,,D");
        Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(line), out var s));
        Assert.Equal(NmeaSentenceKind.Rmc, s.Kind);
        Assert.Equal(-(33 + 51.123 / 60), s.Latitude, 12);
        Assert.Equal(-(151 + 12.5 / 60), s.Longitude, 12);
        Assert.Equal(new DateOnly(2024, 12, 31), s.Date);
        Assert.Equal(new TimeSpan(0, 23, 59, 59, 250), s.TimeOfDay);
        Assert.Equal(2, s.Quality); // mode D = differential
        Assert.Equal((ushort)('G' << 8 | 'N'), s.Talker);
    }

    [Fact]
    public void A_leap_second_with_a_long_fraction_stays_within_its_second()
    {
        // 23:59:60.99999999 rounded to whole ticks was 23:59:61: a fix dated into the next day.
        Assert.Equal(NmeaParseStatus.Ok,
            NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPGGA,235960.99999999,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")),
                out var gga));
        Assert.True(gga.TimeOfDay < new TimeSpan(0, 23, 59, 61), gga.TimeOfDay.ToString());
    }

    [Fact]
    public void No_fix_sentences_parse_but_report_no_fix()
    {
        Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPGGA,000001,,,,,0,00,,,M,,M,,")), out var gga));
        Assert.False(gga.HasFix);
        Assert.Equal(NmeaParseStatus.Ok, NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPRMC,000001,V,,,,,,,010125,,")), out var rmc));
        Assert.False(rmc.HasFix);
    }

    [Theory]
    [InlineData("", NmeaParseStatus.Empty)]
    [InlineData("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47", NmeaParseStatus.MissingStart)]
    [InlineData("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.MissingChecksum)]
    [InlineData("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*4G", NmeaParseStatus.MissingChecksum)]
    [InlineData("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*48", NmeaParseStatus.ChecksumMismatch)]
    [InlineData("$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*47\u00e9", NmeaParseStatus.NonAscii)]
    [InlineData("$GPGSV,3,1,11,03,03,111,00,04,15,270,00,06,01,010,00,13,06,292,00*74", NmeaParseStatus.Unsupported)]
    public void Bad_lines_are_rejected_with_their_reason(string line, NmeaParseStatus expected)
    {
        Assert.Equal(expected, NmeaParser.Parse(Encoding.UTF8.GetBytes(line), out _));
    }

    [Theory]
    [InlineData("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9", NmeaParseStatus.TooFewFields)]
    [InlineData("GPGGA,253519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // hour 25
    [InlineData("GPGGA,123519,4867.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // 67 minutes
    [InlineData("GPGGA,123519,9107.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // latitude 91
    [InlineData("GPGGA,123519,4807.038,X,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // hemisphere
    [InlineData("GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,5e4,M,46.9,M,,", NmeaParseStatus.BadField)] // exponent
    [InlineData("GPGGA,123519,,,,,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // fix without position
    [InlineData("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,310294,003.1,W", NmeaParseStatus.BadField)] // 31 Feb
    [InlineData("GPRMC,123519,X,4807.038,N,01131.000,E,022.4,084.4,230394,003.1,W", NmeaParseStatus.BadField)] // status
    [InlineData("GP,GGA", NmeaParseStatus.BadAddress)]
    [InlineData("GPGGA,123519,0000e5,N,00000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // exponent in a coordinate
    [InlineData("GPGGA,123519,4807e1,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)]
    [InlineData("GPGGA,123519,4807.038,N,0113100E,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)]
    [InlineData("GPGGA,123519,4807.0e8,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)]
    [InlineData("GPGGA,123519,4807.-38,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)]
    [InlineData("GPGGA,123519,4807.,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // no decimals
    [InlineData("GPGGA,123519,48070.38,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // ddmmm
    [InlineData("GPGGA,123519,4807.038,N,1131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // 2-digit longitude degrees
    [InlineData("GPGGA,123519,4807.0.38,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // two points
    [InlineData("GPGGA,123519,4807.03812345678,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,", NmeaParseStatus.BadField)] // 11 decimals
    public void Checksum_valid_lines_with_bad_fields_are_rejected(string body, NmeaParseStatus expected)
    {
        Assert.Equal(expected, NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum(body)), out _));
    }

    [Fact]
    public void Overlong_line_is_rejected()
    {
        var body = "GPGGA," + new string('1', NmeaParser.MaxLineLength);
        Assert.Equal(NmeaParseStatus.TooLong, NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum(body)), out _));
    }

    [Theory]
    [InlineData("4807", 48 + 7 / 60.0)]
    [InlineData("4807.0381234567", 48 + 7.0381234567 / 60)]
    [InlineData("0000.0", 0.0)]
    public void Coordinates_with_and_without_decimals_parse(string latitude, double degrees)
    {
        Assert.Equal(NmeaParseStatus.Ok,
            NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum($"GPGGA,123519,{latitude},N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")), out var s));
        Assert.Equal(degrees, s.Latitude, 12);
    }

    [Fact]
    public void Tracker_dates_gga_fixes_with_the_last_rmc_and_merges_altitude_into_rmc()
    {
        var tracker = new GpsFixTracker();
        var received = new DateTimeOffset(1994, 3, 23, 12, 40, 0, TimeSpan.Zero);
        NmeaParser.Parse(Encoding.ASCII.GetBytes(Gga), out var gga);
        var beforeRmc = tracker.Update(gga, received.AddDays(-1))!;
        Assert.Equal(new DateTimeOffset(1994, 3, 22, 12, 35, 19, TimeSpan.Zero), beforeRmc.Time); // receive date
        NmeaParser.Parse(Encoding.ASCII.GetBytes(Rmc), out var rmc);
        var fromRmc = tracker.Update(rmc, received)!;
        Assert.Equal(new DateTimeOffset(1994, 3, 23, 12, 35, 19, TimeSpan.Zero), fromRmc.Time);
        Assert.Equal(545.4, fromRmc.AltitudeM);
        Assert.Equal(8, fromRmc.Satellites);
        Assert.Equal(GeoFixQuality.Gps, fromRmc.Quality);
        var afterRmc = tracker.Update(gga, received)!;
        Assert.Equal(new DateTimeOffset(1994, 3, 23, 12, 35, 19, TimeSpan.Zero), afterRmc.Time);
    }

    [Fact]
    public void Tracker_ignores_an_rmc_date_far_from_the_clock_for_itself_and_for_later_ggas()
    {
        var tracker = new GpsFixTracker();
        var received = new DateTimeOffset(2026, 11, 26, 12, 40, 0, TimeSpan.Zero);
        NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPRMC,123519,A,4807.038,N,01131.000,E,022.4,084.4,230379,003.1,W")), out var rmc);
        Assert.Equal(new DateOnly(2079, 3, 23), rmc.Date);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 35, 19, TimeSpan.Zero), tracker.Update(rmc, received)!.Time);
        NmeaParser.Parse(Encoding.ASCII.GetBytes(Gga), out var gga);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 12, 35, 19, TimeSpan.Zero), tracker.Update(gga, received.AddSeconds(1))!.Time);
        Assert.Equal(1, tracker.DatesIgnored);
    }

    [Fact]
    public void Tracker_lends_an_rmc_date_for_ten_minutes_only()
    {
        var tracker = new GpsFixTracker();
        var clock = new DateTimeOffset(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);
        // The receiver's date and time lie 23 h behind the clock: within a day, so they are believed...
        NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPRMC,130000,A,4807.038,N,01131.000,E,022.4,084.4,251126,003.1,W")), out var rmc);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 0, 0, TimeSpan.Zero), tracker.Update(rmc, clock)!.Time);
        // ...and lent to a GGA five minutes later...
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 13, 5, 0, TimeSpan.Zero), tracker.Update(GgaAt("130500"), clock.AddMinutes(5))!.Time);
        // ...but not after ten minutes without an RMC: then the clock's date applies.
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 13, 15, 0, TimeSpan.Zero), tracker.Update(GgaAt("131500"), clock.AddMinutes(15))!.Time);
        Assert.Equal(0, tracker.DatesIgnored);
    }

    [Fact]
    public void Tracker_moves_a_lent_date_across_midnight()
    {
        var tracker = new GpsFixTracker();
        var clock = new DateTimeOffset(2026, 11, 26, 0, 0, 3, TimeSpan.Zero);
        NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPRMC,235959,A,4807.038,N,01131.000,E,022.4,084.4,251126,003.1,W")), out var rmc);
        Assert.Equal(new DateTimeOffset(2026, 11, 25, 23, 59, 59, TimeSpan.Zero), tracker.Update(rmc, clock)!.Time);
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 0, 0, 1, TimeSpan.Zero), tracker.Update(GgaAt("000001"), clock.AddSeconds(2))!.Time);
    }

    private static NmeaSentence GgaAt(string time)
    {
        Assert.Equal(NmeaParseStatus.Ok,
            NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum($"GPGGA,{time},4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")), out var s));
        return s;
    }

    [Fact]
    public void Tracker_takes_a_late_time_of_day_before_any_rmc_as_yesterday()
    {
        var tracker = new GpsFixTracker();
        NmeaParser.Parse(Encoding.ASCII.GetBytes(WithChecksum("GPGGA,235958,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,")), out var gga);
        var fix = tracker.Update(gga, new DateTimeOffset(2026, 11, 27, 0, 0, 1, TimeSpan.Zero))!;
        Assert.Equal(new DateTimeOffset(2026, 11, 26, 23, 59, 58, TimeSpan.Zero), fix.Time);
    }

    /// <summary>"$" + body + "*" + the XOR checksum.</summary>
    internal static string WithChecksum(string body)
    {
        byte sum = 0;
        foreach (var c in body)
            sum ^= (byte)c;
        return $"${body}*{sum:X2}";
    }
}
