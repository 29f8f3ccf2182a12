using MFuser.Edge.Client.Images;

namespace MFuser.Edge.Client.Ros;

/// <summary>The fields of ROS 2 <c>sensor_msgs/msg/Image</c> for a class-id map: encoding <c>mono8</c>, one byte per
/// pixel, step = width (docs/ros2.md).</summary>
public sealed record MonoImage(DateTimeOffset? Stamp, string FrameId, int Height, int Width, string Encoding, byte IsBigEndian, int Step, byte[] Data)
{
    /// <summary>The frame the image is given in unless the caller names another: the camera's optical frame.</summary>
    public const string DefaultFrameId = "mfuser_camera_optical";

    /// <summary>Wraps <paramref name="map"/>'s class ids (not copied) as a mono8 image stamped with its capture time.</summary>
    public static MonoImage From(SegmentationMap map, string frameId = DefaultFrameId) =>
        new(map.CapturedAt, frameId, map.Height, map.Width, "mono8", 0, map.Width, map.ClassIds);
}
