using System.Text;
using System.Text.Json;
using MFuser.Edge.FieldOps;
using MFuser.Edge.Core.Geo;

namespace MFuser.Edge.Tests;

public sealed class GeoTagWriterTests
{
    private static readonly GeoFix Fix = new(48.1173, 11.566667, 519.5, GeoFixQuality.Gps, new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero), 9, 0.9);

    [Fact]
    public void Appends_the_fix_as_the_last_member()
    {
        var json = JsonDocument.Parse(new GeoTagWriter().Write("""{"frame":7,"captured_at":"x"}  """u8, Fix)).RootElement;
        Assert.Equal(7, json.GetProperty("frame").GetInt32());
        var gps = json.GetProperty("gps");
        Assert.Equal((48.1173, 11.566667, 519.5, 1, 9, 0.9), (gps.GetProperty("lat").GetDouble(), gps.GetProperty("lon").GetDouble(),
            gps.GetProperty("alt_m").GetDouble(), gps.GetProperty("fix_quality").GetInt32(), gps.GetProperty("satellites").GetInt32(), gps.GetProperty("hdop").GetDouble()));
        Assert.Equal("2026-11-26T17:00:00.000Z", gps.GetProperty("time").GetString());
    }

    [Fact]
    public void Without_a_valid_fix_gps_is_null_and_an_empty_object_stays_valid()
    {
        var writer = new GeoTagWriter();
        Assert.Equal("""{"a":1,"gps":null}""", Encoding.UTF8.GetString(writer.Write("""{"a":1}"""u8, null).Span));
        Assert.Equal("""{"gps":null}""", Encoding.UTF8.GetString(writer.Write("{}"u8, Fix with { Quality = GeoFixQuality.Invalid }).Span));
        Assert.Throws<ArgumentException>(() => writer.Write("[1]"u8, Fix));
    }

    [Fact]
    public void Steady_state_allocates_nothing()
    {
        var writer = new GeoTagWriter();
        var payload = Encoding.UTF8.GetBytes("""{"frame":1,"drivable_fraction":0.5}""");
        for (var i = 0; i < 10; i++)
            writer.Write(payload, Fix);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            writer.Write(payload, i % 2 == 0 ? Fix : null);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
