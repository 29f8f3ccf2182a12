using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Core.Geo;

namespace MFuser.Edge.FieldLog.Foxglove;

/// <summary>
/// Encodes field-log messages in Foxglove's JSON message shapes (field names and types of the schemas in
/// <see cref="FoxgloveSchemas"/>; timestamps as {sec, nsec}) into one reusable buffer. Each method returns the encoded
/// message, valid until the next call. Not thread-safe: the recorder's writer thread owns one.
/// </summary>
internal sealed class FoxgloveJsonWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(1 << 16);
    private readonly Utf8JsonWriter _json;

    public FoxgloveJsonWriter() => _json = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true });

    /// <summary>foxglove.CompressedImage: <paramref name="data"/> base64-encoded.</summary>
    public ReadOnlySpan<byte> CompressedImage(long ns, string frameId, string format, ReadOnlySpan<byte> data)
    {
        var w = Begin(ns);
        w.WriteString("frame_id"u8, frameId);
        w.WriteString("format"u8, format);
        w.WriteBase64String("data"u8, data);
        return End();
    }

    /// <summary>foxglove.LocationFix; the horizontal covariance from HDOP × an assumed 5 m user range error
    /// (type 1, approximated), the vertical one twice the horizontal σ; type 0 (unknown) without HDOP.</summary>
    public ReadOnlySpan<byte> LocationFix(GeoFix fix, long ns)
    {
        var w = Begin(ns);
        w.WriteString("frame_id"u8, "gps"u8);
        w.WriteNumber("latitude"u8, fix.Latitude);
        w.WriteNumber("longitude"u8, fix.Longitude);
        w.WriteNumber("altitude"u8, fix.AltitudeM ?? 0);
        w.WriteStartArray("position_covariance"u8);
        var variance = fix.Hdop is { } hdop ? Math.Pow(hdop * 5, 2) : 0;
        for (var i = 0; i < 9; i++)
            w.WriteNumberValue(i is 0 or 4 ? variance : i == 8 ? variance * 4 : 0);
        w.WriteEndArray();
        w.WriteNumber("position_covariance_type"u8, fix.Hdop is null ? 0 : 1);
        return End();
    }

    /// <summary>foxglove.LaserScan in <paramref name="frameId"/> with an identity pose: <paramref name="ranges"/> at
    /// equal steps from <paramref name="startAngle"/> to <paramref name="endAngle"/> (counter-clockwise from +x). A
    /// range that is not finite (no boundary within reach) becomes <paramref name="rangeMax"/> with intensity 0;
    /// measured ranges have intensity 1, so a panel colouring by intensity tells them apart.</summary>
    public ReadOnlySpan<byte> LaserScan(long ns, string frameId, double startAngle, double endAngle, ReadOnlySpan<double> ranges, double rangeMax)
    {
        var w = Begin(ns);
        w.WriteString("frame_id"u8, frameId);
        w.WriteStartObject("pose"u8);
        Vector(w, "position"u8, 0, 0, 0);
        Quaternion(w, "orientation"u8, 0, 0, 0, 1);
        w.WriteEndObject();
        w.WriteNumber("start_angle"u8, Math.Round(startAngle, 6));
        w.WriteNumber("end_angle"u8, Math.Round(endAngle, 6));
        w.WriteStartArray("ranges"u8);
        foreach (var r in ranges)
            w.WriteNumberValue(Math.Round(double.IsFinite(r) ? r : rangeMax, 3));
        w.WriteEndArray();
        w.WriteStartArray("intensities"u8);
        foreach (var r in ranges)
            w.WriteNumberValue(double.IsFinite(r) ? 1 : 0);
        w.WriteEndArray();
        return End();
    }

    /// <summary>foxglove.FrameTransform of <paramref name="mount"/>.</summary>
    public ReadOnlySpan<byte> FrameTransform(long ns, CameraMount mount)
    {
        var w = Begin(ns);
        w.WriteString("parent_frame_id"u8, mount.Parent);
        w.WriteString("child_frame_id"u8, mount.Child);
        Vector(w, "translation"u8, mount.X, mount.Y, mount.Z);
        Quaternion(w, "rotation"u8, mount.Qx, mount.Qy, mount.Qz, mount.Qw);
        return End();
    }

    private Utf8JsonWriter Begin(long ns)
    {
        _buffer.ResetWrittenCount();
        _json.Reset(_buffer);
        _json.WriteStartObject();
        _json.WriteStartObject("timestamp"u8);
        _json.WriteNumber("sec"u8, ns / 1_000_000_000);
        _json.WriteNumber("nsec"u8, ns % 1_000_000_000);
        _json.WriteEndObject();
        return _json;
    }

    private ReadOnlySpan<byte> End()
    {
        _json.WriteEndObject();
        _json.Flush();
        return _buffer.WrittenSpan;
    }

    private static void Vector(Utf8JsonWriter w, ReadOnlySpan<byte> name, double x, double y, double z)
    {
        w.WriteStartObject(name);
        w.WriteNumber("x"u8, x);
        w.WriteNumber("y"u8, y);
        w.WriteNumber("z"u8, z);
        w.WriteEndObject();
    }

    private static void Quaternion(Utf8JsonWriter w, ReadOnlySpan<byte> name, double x, double y, double z, double qw)
    {
        w.WriteStartObject(name);
        w.WriteNumber("x"u8, x);
        w.WriteNumber("y"u8, y);
        w.WriteNumber("z"u8, z);
        w.WriteNumber("w"u8, qw);
        w.WriteEndObject();
    }
}
