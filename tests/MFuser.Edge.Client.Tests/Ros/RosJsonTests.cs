using System.Text.Json;
using MFuser.Edge.Client.Images;
using MFuser.Edge.Client.Ros;

namespace MFuser.Edge.Client.Tests.Ros;

public sealed class RosJsonTests
{
    private static readonly DateTimeOffset Stamp = new(2026, 11, 26, 16, 2, 48, 123, TimeSpan.Zero);

    [Fact]
    public void Laser_scan_has_the_fields_of_sensor_msgs_laserscan_and_only_finite_numbers()
    {
        var scan = new LaserScan(Stamp, "mfuser_ground", -0.5f, 0.5f, 0.5f, 0, 0, 2.5f, 100, [7.25f, float.PositiveInfinity, 3], []);
        var json = JsonDocument.Parse(RosJson.LaserScan(scan)).RootElement;

        // The member names and order of sensor_msgs/msg/LaserScan.
        Assert.Equal(["header", "angle_min", "angle_max", "angle_increment", "time_increment", "scan_time", "range_min", "range_max", "ranges",
            "intensities"], json.EnumerateObject().Select(p => p.Name));
        var stamp = json.GetProperty("header").GetProperty("stamp");
        Assert.Equal(Stamp.ToUnixTimeSeconds(), stamp.GetProperty("sec").GetInt64());
        Assert.Equal(123_000_000u, stamp.GetProperty("nanosec").GetUInt32());
        Assert.Equal("mfuser_ground", json.GetProperty("header").GetProperty("frame_id").GetString());
        Assert.Equal([7.25, 101, 3], json.GetProperty("ranges").EnumerateArray().Select(r => r.GetDouble()));
        Assert.Equal(0, json.GetProperty("intensities").GetArrayLength());
    }

    [Fact]
    public void Class_id_map_is_a_mono8_image_message()
    {
        var image = MonoImage.From(new SegmentationMap(3, 2, [0, 1, 2, 13, 255, 0], 9, Stamp));
        var json = JsonDocument.Parse(RosJson.Image(image)).RootElement;

        Assert.Equal(["header", "height", "width", "encoding", "is_bigendian", "step", "data"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal((2, 3, "mono8", 0, 3), (json.GetProperty("height").GetInt32(), json.GetProperty("width").GetInt32(),
            json.GetProperty("encoding").GetString(), json.GetProperty("is_bigendian").GetInt32(), json.GetProperty("step").GetInt32()));
        Assert.Equal([0, 1, 2, 13, 255, 0], json.GetProperty("data").EnumerateArray().Select(b => b.GetInt32()));
    }
}
