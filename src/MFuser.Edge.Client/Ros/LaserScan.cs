using MFuser.Edge.Client.Payloads;

namespace MFuser.Edge.Client.Ros;

/// <summary>
/// The fields of ROS 2 <c>sensor_msgs/msg/LaserScan</c>, filled from a drivable summary by
/// <see cref="LaserScanMapping.ToLaserScan"/> (docs/ros2.md). Angles in radians, counter-clockwise positive around
/// the frame's z axis (x forward, y left: REP 103), ranges in metres, <c>+Inf</c> where nothing blocks a bin within
/// <see cref="RangeMax"/> (REP 117).
/// </summary>
public sealed record LaserScan(
    DateTimeOffset Stamp,
    string FrameId,
    float AngleMin,
    float AngleMax,
    float AngleIncrement,
    float TimeIncrement,
    float ScanTime,
    float RangeMin,
    float RangeMax,
    float[] Ranges,
    float[] Intensities);

/// <summary>The free space of a <c>drivable</c> message as a <see cref="LaserScan"/>.</summary>
public static class LaserScanMapping
{
    /// <summary>The frame the scan is given in unless the caller names another: on the ground below the camera.</summary>
    public const string DefaultFrameId = "mfuser_ground";

    /// <summary>
    /// Maps <c>free_space.scan</c> field for field: header stamp = <c>captured_at</c>; a bin without a range (free,
    /// or its boundary at or above the horizon) or beyond <c>range_max</c> becomes <c>+Inf</c>; <c>range_min</c> is 0
    /// when the daemon has none. The scan is a single camera exposure, so time increment and scan time are 0.
    /// Returns null when the device has no calibration (<c>scan</c> is null): column bins have no bearing.
    /// </summary>
    public static LaserScan? ToLaserScan(this Drivable drivable, string frameId = DefaultFrameId)
    {
        if (drivable.FreeSpace.Scan is not { } scan)
            return null;
        var ranges = new float[scan.Ranges.Count];
        for (var i = 0; i < ranges.Length; i++)
            ranges[i] = scan.Ranges[i] is { } r && r <= scan.RangeMax ? (float)r : float.PositiveInfinity;
        return new LaserScan(drivable.CapturedAt, frameId, (float)scan.AngleMin, (float)scan.AngleMax, (float)scan.AngleIncrement,
            TimeIncrement: 0, ScanTime: 0, (float)(scan.RangeMin ?? 0), (float)scan.RangeMax, ranges, Intensities: []);
    }
}
