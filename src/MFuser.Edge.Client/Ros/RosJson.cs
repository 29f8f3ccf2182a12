using System.Buffers;
using System.Text.Json;

namespace MFuser.Edge.Client.Ros;

/// <summary>
/// ROS 2 messages as the JSON that ika-rwth-aachen's <c>mqtt_client</c> bridge turns into ROS messages
/// (<c>json: true</c> with a <c>ros_type</c>; docs/ros2.md): member names of the message definition,
/// <c>header.stamp</c> as <c>{ "sec", "nanosec" }</c>. JSON has no infinity, and the bridge's parser rejects the
/// non-standard <c>Infinity</c> literal, so a LaserScan bin with no obstacle within range is written as
/// <c>range_max + 1</c>: out of range, which LaserScan consumers discard, as REP 117 asks for +Inf.
/// </summary>
public static class RosJson
{
    /// <summary>What a "no return" bin becomes in JSON: this far beyond <c>range_max</c>, metres.</summary>
    public const float BeyondRangeMax = 1;

    /// <summary><c>sensor_msgs/msg/LaserScan</c> as UTF-8 JSON.</summary>
    public static byte[] LaserScan(LaserScan scan)
    {
        return Write(w =>
        {
            WriteHeader(w, scan.Stamp, scan.FrameId);
            w.WriteNumber("angle_min", scan.AngleMin);
            w.WriteNumber("angle_max", scan.AngleMax);
            w.WriteNumber("angle_increment", scan.AngleIncrement);
            w.WriteNumber("time_increment", scan.TimeIncrement);
            w.WriteNumber("scan_time", scan.ScanTime);
            w.WriteNumber("range_min", scan.RangeMin);
            w.WriteNumber("range_max", scan.RangeMax);
            w.WriteStartArray("ranges");
            foreach (var r in scan.Ranges)
                w.WriteNumberValue(float.IsFinite(r) ? r : scan.RangeMax + BeyondRangeMax);
            w.WriteEndArray();
            w.WriteStartArray("intensities");
            foreach (var i in scan.Intensities)
                w.WriteNumberValue(i);
            w.WriteEndArray();
        });
    }

    /// <summary><c>sensor_msgs/msg/Image</c> (mono8) as UTF-8 JSON: <c>data</c> is an array of numbers, one per pixel,
    /// about 4 bytes each, so keep <c>publish.segmentation_hz</c> low.</summary>
    public static byte[] Image(MonoImage image)
    {
        return Write(w =>
        {
            WriteHeader(w, image.Stamp ?? DateTimeOffset.UnixEpoch, image.FrameId);
            w.WriteNumber("height", image.Height);
            w.WriteNumber("width", image.Width);
            w.WriteString("encoding", image.Encoding);
            w.WriteNumber("is_bigendian", image.IsBigEndian);
            w.WriteNumber("step", image.Step);
            w.WriteStartArray("data");
            foreach (var b in image.Data)
                w.WriteNumberValue(b);
            w.WriteEndArray();
        });
    }

    private static byte[] Write(Action<Utf8JsonWriter> body)
    {
        var buffer = new ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary><c>std_msgs/msg/Header</c>: <c>builtin_interfaces/Time</c> is whole seconds since the Unix epoch plus nanoseconds.</summary>
    private static void WriteHeader(Utf8JsonWriter w, DateTimeOffset stamp, string frameId)
    {
        var ticks = (stamp - DateTimeOffset.UnixEpoch).Ticks;
        w.WriteStartObject("header");
        w.WriteStartObject("stamp");
        w.WriteNumber("sec", (int)(ticks / TimeSpan.TicksPerSecond));
        w.WriteNumber("nanosec", (uint)(ticks % TimeSpan.TicksPerSecond * 100));
        w.WriteEndObject();
        w.WriteString("frame_id", frameId);
        w.WriteEndObject();
    }
}
