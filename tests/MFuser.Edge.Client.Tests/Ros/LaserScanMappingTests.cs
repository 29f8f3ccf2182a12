using MFuser.Edge.Client.Images;
using MFuser.Edge.Client.Payloads;
using MFuser.Edge.Client.Ros;

namespace MFuser.Edge.Client.Tests.Ros;

public sealed class LaserScanMappingTests
{
    private static readonly DateTimeOffset Captured = new(2026, 11, 26, 16, 2, 48, 123, TimeSpan.Zero);

    private static Drivable With(GroundScan? scan) => new(1234, Captured, 512, 288, 0.33, 0.87, 0.23,
        new Dictionary<string, double> { ["road"] = 0.33 }, 0,
        new FreeSpace(4, [287, 143, -1, 195], [1, 2, null, 13], scan), new EgoCorridor(-1, 288, null, null, null), new FrameLatencies(48, 31));

    [Fact]
    public void Scan_fields_map_one_to_one_and_keep_laserscan_order()
    {
        var scan = With(new GroundScan(-0.48, 0.48, 0.32, 2.961, 100, [6.675, null, 19.437, 3.173])).ToLaserScan()!;
        Assert.Equal((Captured, "mfuser_ground"), (scan.Stamp, scan.FrameId));
        Assert.Equal((-0.48f, 0.48f, 0.32f), (scan.AngleMin, scan.AngleMax, scan.AngleIncrement));
        Assert.Equal((0f, 0f), (scan.TimeIncrement, scan.ScanTime));
        Assert.Equal((2.961f, 100f), (scan.RangeMin, scan.RangeMax));
        // ranges[0] is the rightmost bin (most negative bearing), exactly as published.
        Assert.Equal([6.675f, float.PositiveInfinity, 19.437f, 3.173f], scan.Ranges);
        Assert.Empty(scan.Intensities);
        Assert.Equal(scan.AngleMax, scan.AngleMin + (scan.Ranges.Length - 1) * scan.AngleIncrement, 5);
    }

    [Fact]
    public void No_obstacle_and_beyond_range_max_are_positive_infinity_per_rep_117()
    {
        var scan = With(new GroundScan(-0.3, 0.3, 0.2, null, 50, [null, 50, 50.5, 0.1])).ToLaserScan("base_footprint")!;
        Assert.Equal([float.PositiveInfinity, 50f, float.PositiveInfinity, 0.1f], scan.Ranges);
        Assert.Equal(0f, scan.RangeMin);
        Assert.Equal("base_footprint", scan.FrameId);
    }

    [Fact]
    public void Without_calibration_there_is_no_scan()
    {
        Assert.Null(With(null).ToLaserScan());
    }

    [Fact]
    public void Segmentation_map_is_a_mono8_image_with_one_byte_per_pixel()
    {
        var map = new SegmentationMap(3, 2, [0, 1, 2, 13, 255, 0], 9, Captured);
        var image = MonoImage.From(map);
        Assert.Equal((2, 3, "mono8", (byte)0, 3), (image.Height, image.Width, image.Encoding, image.IsBigEndian, image.Step));
        Assert.Equal((Captured, "mfuser_camera_optical"), (image.Stamp!.Value, image.FrameId));
        Assert.Same(map.ClassIds, image.Data);
    }
}
