using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Core.Tests.Analysis;
using MFuser.ModelPackage.Classes;

namespace MFuser.Edge.Core.Tests.Geo;

/// <summary>The <c>gps</c> object of the drivable payload (written by <see cref="DrivablePayloadWriter"/> through
/// <see cref="GeoFixJson"/>, the same shape as the episode events').</summary>
public sealed class GeoFixJsonTests
{
    private static readonly GeoFix Fix = new(48.1173, 11.566667, 519.5, GeoFixQuality.Gps,
        new DateTimeOffset(2026, 11, 26, 17, 0, 0, TimeSpan.Zero), 9, 0.9);
    private static readonly FrameStamp Stamp = new(7, new DateTimeOffset(2026, 11, 26, 17, 0, 1, TimeSpan.Zero));
    private static readonly DrivableSummary Summary = new DrivableAnalyzer(Cityscapes.Classes, 8, 4,
        new DrivableAnalyzerOptions { FreeSpaceBins = 2 })
        .Analyze(LabelMaps.Filled(8, 4, 0), LabelMaps.Filled(8, 4, 200));

    private static JsonElement Drivable(DrivablePayloadWriter writer, GeoFix? fix) =>
        JsonDocument.Parse(writer.Write(Stamp, Summary, new FrameLatency(1, 2), fix)).RootElement.Clone();

    [Fact]
    public void With_a_receiver_the_fix_is_the_last_member()
    {
        var json = Drivable(new DrivablePayloadWriter(withGps: true), Fix);
        Assert.Equal(7, json.GetProperty("frame").GetInt32());
        Assert.Equal("gps", json.EnumerateObject().Last().Name);
        var gps = json.GetProperty("gps");
        Assert.Equal((48.1173, 11.566667, 519.5, 1, 9, 0.9), (gps.GetProperty("lat").GetDouble(), gps.GetProperty("lon").GetDouble(),
            gps.GetProperty("alt_m").GetDouble(), gps.GetProperty("fix_quality").GetInt32(), gps.GetProperty("satellites").GetInt32(),
                gps.GetProperty("hdop").GetDouble()));
        Assert.Equal("2026-11-26T17:00:00.000Z", gps.GetProperty("time").GetString());
    }

    [Fact]
    public void Without_a_fresh_valid_fix_gps_is_null_and_without_a_receiver_absent()
    {
        var writer = new DrivablePayloadWriter(withGps: true);
        Assert.Equal(JsonValueKind.Null, Drivable(writer, null).GetProperty("gps").ValueKind);
        Assert.Equal(JsonValueKind.Null, Drivable(writer, Fix with { Quality = GeoFixQuality.Invalid }).GetProperty("gps").ValueKind);
        Assert.False(Drivable(new DrivablePayloadWriter(), Fix).TryGetProperty("gps", out _));
    }

    [Fact]
    public void Steady_state_allocates_nothing()
    {
        var writer = new DrivablePayloadWriter(withGps: true);
        for (var i = 0; i < 10; i++)
            writer.Write(Stamp, Summary, new FrameLatency(1, 2), Fix);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++)
            writer.Write(Stamp, Summary, new FrameLatency(1, 2), i % 2 == 0 ? Fix : null);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Episode_events_carry_the_same_gps_object()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
            GeoFixJson.WriteValue(w, Fix);
        var standalone = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Equal(standalone, Drivable(new DrivablePayloadWriter(withGps: true), Fix).GetProperty("gps").GetRawText());
    }
}
