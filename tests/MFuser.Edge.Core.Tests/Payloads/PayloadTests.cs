using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Tests.Analysis;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Core.Tests.Payloads;

public class PayloadTests
{
    private static readonly FrameStamp Stamp = new(42, new DateTimeOffset(2026, 11, 26, 17, 2, 48, 123, TimeSpan.FromHours(1)));

    private static JsonElement Parse(ReadOnlyMemory<byte> utf8) => JsonDocument.Parse(utf8).RootElement.Clone();

    [Fact]
    public void Drivable_payload_without_calibration_has_every_field_and_a_null_scan()
    {
        string[] map = ["kkkk", "cccc", "rrrr", "rrrr"];
        var summary = new DrivableAnalyzer(Cityscapes.Classes, 4, 4, new DrivableAnalyzerOptions { FreeSpaceBins = 2, CorridorWidthFraction = 0.5 })
            .Analyze(LabelMaps.Parse(map), LabelMaps.Filled(4, 4, 255));
        var json = Parse(new DrivablePayloadWriter().Write(Stamp, summary, new FrameLatency(41.256, 30.1)));

        Assert.Equal(42, json.GetProperty("frame").GetInt64());
        Assert.Equal("2026-11-26T16:02:48.123Z", json.GetProperty("captured_at").GetString());
        Assert.Equal((4, 4), (json.GetProperty("width").GetInt32(), json.GetProperty("height").GetInt32()));
        Assert.Equal(0.5, json.GetProperty("drivable_fraction").GetDouble());
        Assert.Equal(1.0, json.GetProperty("confidence_mean").GetDouble());
        Assert.Equal(0.0, json.GetProperty("entropy_mean").GetDouble());
        var classes = json.GetProperty("classes");
        Assert.Equal(19, classes.EnumerateObject().Count());
        Assert.Equal(0.5, classes.GetProperty("road").GetDouble());
        Assert.Equal(0.25, classes.GetProperty("car").GetDouble());
        Assert.Equal(0.0, classes.GetProperty("traffic light").GetDouble());
        Assert.Equal(0.0, json.GetProperty("unknown_fraction").GetDouble());

        var free = json.GetProperty("free_space");
        Assert.Equal(2, free.GetProperty("bins").GetInt32());
        Assert.Equal([1, 1], free.GetProperty("rows").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal([13, 13], free.GetProperty("classes").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(JsonValueKind.Null, free.GetProperty("scan").ValueKind);

        var corridor = json.GetProperty("ego_corridor");
        Assert.Equal(1, corridor.GetProperty("row").GetInt32());
        Assert.Equal(2, corridor.GetProperty("clear_rows").GetInt32());
        Assert.Equal(13, corridor.GetProperty("class").GetInt32());
        Assert.Equal("car", corridor.GetProperty("class_name").GetString());
        Assert.Equal(JsonValueKind.Null, corridor.GetProperty("range_m").ValueKind);

        var latency = json.GetProperty("latency_ms");
        Assert.Equal(41.26, latency.GetProperty("capture_to_publish").GetDouble());
        Assert.Equal(30.1, latency.GetProperty("inference").GetDouble());
    }

    [Fact]
    public void Drivable_payload_with_calibration_writes_a_laserscan_in_counter_clockwise_order()
    {
        var camera = new CameraCalibration { Source = "t", ImageWidth = 64, ImageHeight = 48, Fx = 32, Fy = 32, Cx = 31.5,
            Cy = 23.5, MountHeightM = 1 };
        var labels = LabelMaps.Filled(64, 48, 0);
        LabelMaps.Fill(labels, 64, 0, 64, 0, 11, 10);   // sky
        LabelMaps.Fill(labels, 64, 0, 18, 30, 36, 13);  // a car in the leftmost bin only
        var summary = new DrivableAnalyzer(Cityscapes.Classes, 64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 4 }, camera)
            .Analyze(labels, LabelMaps.Filled(64, 48, 255));
        var scan = Parse(new DrivablePayloadWriter().Write(Stamp, summary, default)).GetProperty("free_space").GetProperty("scan");

        var deg = Math.PI / 180;
        Assert.Equal(Math.Round(-33.75 * deg, 6), scan.GetProperty("angle_min").GetDouble());
        Assert.Equal(Math.Round(33.75 * deg, 6), scan.GetProperty("angle_max").GetDouble());
        Assert.Equal(Math.Round(22.5 * deg, 6), scan.GetProperty("angle_increment").GetDouble());
        Assert.Equal(100, scan.GetProperty("range_max").GetDouble());
        var ranges = scan.GetProperty("ranges").EnumerateArray().ToArray();
        Assert.Equal(4, ranges.Length);
        // ranges[0] is the rightmost bin (sky: no ground range); the car's bin, leftmost in the image, comes last.
        Assert.Equal(JsonValueKind.Null, ranges[0].ValueKind);
        Assert.Equal(Math.Round(1 / 0.375 / Math.Cos(33.75 * deg), 3), ranges[3].GetDouble());
    }

    [Fact]
    public void Drivable_writer_reuses_its_buffer_without_allocating()
    {
        var analyzer = new DrivableAnalyzer(Cityscapes.Classes, 32, 16, new DrivableAnalyzerOptions { FreeSpaceBins = 8 });
        var summary = analyzer.Analyze(LabelMaps.Filled(32, 16, 0), LabelMaps.Filled(32, 16, 200));
        var writer = new DrivablePayloadWriter();
        var first = Encoding.UTF8.GetString(writer.Write(Stamp, summary, new FrameLatency(1, 2)).Span);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 20; i++)
            writer.Write(Stamp with { Frame = i }, summary, new FrameLatency(1, 2));
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(first, Encoding.UTF8.GetString(writer.Write(Stamp, summary, new FrameLatency(1, 2)).Span));
    }

    [Fact]
    public void Info_payload_is_snake_case_with_classes_and_rfc3339_time()
    {
        var info = new InfoPayload(
            "edge-1", "0.1.0", Stamp.CapturedAt,
            new ModelInfo("mfuser-tiny", "1.0.0", "ab12"),
            Cityscapes.Classes.Select(ClassEntry.From).ToArray(),
            new ImageSize(512, 256),
            new ExecutionInfo("cpu", ["cuda", "cpu"], new Dictionary<string, int> { ["cpu"] = 120 }),
            new CalibrationInfo(false, null, null, null, null),
            new FreeSpaceLayout(2, [0, 256, 512], false));
        var json = Parse(info.ToUtf8Json());
        Assert.Equal("edge-1", json.GetProperty("device").GetString());
        Assert.Equal("0.1.0", json.GetProperty("software_version").GetString());
        Assert.Equal("2026-11-26T16:02:48.123Z", json.GetProperty("started_at").GetString());
        Assert.Equal("ab12", json.GetProperty("model").GetProperty("sha256").GetString());
        var road = json.GetProperty("classes")[0];
        Assert.Equal((0, "road", true),
            (road.GetProperty("id").GetInt32(), road.GetProperty("name").GetString(), road.GetProperty("drivable").GetBoolean()));
        Assert.Equal([128, 64, 128], road.GetProperty("color").EnumerateArray().Select(e => e.GetInt32()));
        Assert.Equal(512, json.GetProperty("input").GetProperty("width").GetInt32());
        Assert.Equal(120, json.GetProperty("execution").GetProperty("node_placement").GetProperty("cpu").GetInt32());
        Assert.False(json.GetProperty("calibration").GetProperty("present").GetBoolean());
        Assert.Equal([0, 256, 512], json.GetProperty("free_space").GetProperty("column_edges").EnumerateArray().Select(e => e.GetInt32()));
    }

    [Fact]
    public void Stats_payload_is_snake_case()
    {
        var stats = new StatsPayload(Stamp.CapturedAt, 12.5, 29.7, 400, 380, 20, 3, 0,
            new Dictionary<string, LatencyPercentiles> { ["inference"] = new(30, 35, 41, 44) },
            new MqttStats(true, "5.0", 1000, 3, 1, 0, 0),
            new MemoryStats(180.5, 42.25));
        var json = Parse(stats.ToUtf8Json());
        Assert.Equal("2026-11-26T16:02:48.123Z", json.GetProperty("at").GetString());
        Assert.Equal(12.5, json.GetProperty("uptime_s").GetDouble());
        Assert.Equal(20, json.GetProperty("frames_dropped").GetInt64());
        Assert.Equal(41, json.GetProperty("latency_ms").GetProperty("inference").GetProperty("p99").GetDouble());
        Assert.Equal(1, json.GetProperty("mqtt").GetProperty("reconnects").GetInt64());
        Assert.Equal(0, json.GetProperty("mqtt").GetProperty("queue_depth").GetInt32());
        Assert.Equal(0, json.GetProperty("mqtt").GetProperty("must_deliver_pending").GetInt32());
        Assert.Equal(180.5, json.GetProperty("memory").GetProperty("working_set_mb").GetDouble());
        Assert.Equal(3, json.GetProperty("frames_skipped").GetInt64());
        Assert.False(json.TryGetProperty("gps", out _), "a part that is off leaves its block out");
    }

    [Fact]
    public void Stats_blocks_of_the_parts_that_are_on_are_snake_case_with_nulls_kept_inside()
    {
        var stats = new StatsPayload(Stamp.CapturedAt, 1, 1, 1, 1, 0, 0, 0, new Dictionary<string, LatencyPercentiles>(),
            new MqttStats(true, "5.0", 1, 0, 0, 0, 0), new MemoryStats(1, 1))
        {
            Gps = new GpsStats(true, 1, 0, 5, 2, 3, new Dictionary<string, long> { ["bad_checksum"] = 3 }, null),
            DomainShift = new DomainShiftStats(false, null, null, 0, 0, 0),
            Watchdog = new WatchdogStats(15, 4, 0),
        };
        var json = Parse(stats.ToUtf8Json());
        var gps = json.GetProperty("gps");
        Assert.Equal(3, gps.GetProperty("rejected_by_reason").GetProperty("bad_checksum").GetInt64());
        Assert.Equal(JsonValueKind.Null, gps.GetProperty("fix_age_s").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("domain_shift").GetProperty("score").ValueKind);
        Assert.Equal(15, json.GetProperty("watchdog").GetProperty("interval_s").GetDouble());
        Assert.False(json.TryGetProperty("field_log", out _));
    }

    [Fact]
    public void Rfc3339_is_utc_with_milliseconds()
    {
        Span<byte> buffer = stackalloc byte[Rfc3339.Length];
        var n = Rfc3339.Format(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(-5)), buffer);
        Assert.Equal("2026-01-02T08:04:05.006Z", Encoding.UTF8.GetString(buffer[..n]));
        Assert.Equal("2026-01-02T08:04:05.006Z", Rfc3339.ToString(new DateTimeOffset(2026, 1, 2, 3, 4, 5, 6, TimeSpan.FromHours(-5))));
    }
}
