using System.ComponentModel.DataAnnotations;

namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// <c>&lt;base&gt;/drivable</c>: the drivable-area summary of one processed frame (docs/mqtt-api.md). This record is
/// the source of docs/schemas/drivable.json; rows and columns are at model resolution (<see cref="Width"/> ×
/// <see cref="Height"/>).
/// </summary>
/// <param name="Classes">Pixel fraction per class name, every class of <c>info.classes</c>.</param>
/// <param name="Gps">Present only on a device with a GPS receiver: the fresh fix, or null without one.</param>
public sealed record Drivable(
    [property: Range(0, long.MaxValue)] long Frame,
    DateTimeOffset CapturedAt,
    [property: Range(1, int.MaxValue)] int Width,
    [property: Range(1, int.MaxValue)] int Height,
    [property: Range(0.0, 1.0)] double DrivableFraction,
    [property: Range(0.0, 1.0)] double ConfidenceMean,
    [property: Range(0.0, double.MaxValue)] double EntropyMean,
    IReadOnlyDictionary<string, double> Classes,
    [property: Range(0.0, 1.0)] double UnknownFraction,
    FreeSpace FreeSpace,
    EgoCorridor EgoCorridor,
    FrameLatencies LatencyMs,
    GpsFix? Gps = null);

/// <summary>The free space per column bin, left to right in the image.</summary>
/// <param name="Rows">Per bin, the row of the first non-drivable pixel scanning up from the bottom; -1 = free to the top.</param>
/// <param name="Classes">Per bin, the class id at that pixel; null when the bin is free to the top.</param>
/// <param name="Scan">The same bins as a polar ground scan; null without a camera calibration.</param>
public sealed record FreeSpace([property: Range(1, int.MaxValue)] int Bins, IReadOnlyList<int> Rows, IReadOnlyList<int?> Classes, GroundScan? Scan);

/// <summary>
/// The free space as a <c>sensor_msgs/LaserScan</c>-shaped polar scan (docs/ros2.md): bearings in radians,
/// counter-clockwise positive, 0 on the optical axis; <see cref="Ranges"/>[0] is the rightmost bin.
/// </summary>
/// <param name="RangeMin">The nearest ground any bin can see (metres); null when the image bottom is above the horizon.</param>
/// <param name="RangeMax">The analysis range limit (metres).</param>
/// <param name="Ranges">Ground distance per bin in metres; null when nothing blocks the bin within range.</param>
public sealed record GroundScan(
    double AngleMin,
    double AngleMax,
    double AngleIncrement,
    [property: Range(0.0, double.MaxValue)] double? RangeMin,
    [property: Range(0.0, double.MaxValue)] double RangeMax,
    IReadOnlyList<double?> Ranges);

/// <summary>Where the vehicle's own corridor is first blocked.</summary>
/// <param name="Row">First blocked row scanning up from the bottom; -1 when clear.</param>
/// <param name="Class">The blocking class id; null when clear.</param>
/// <param name="RangeM">Forward ground distance in metres; null without calibration or when clear.</param>
public sealed record EgoCorridor(
    [property: Range(-1, int.MaxValue)] int Row,
    [property: Range(0, int.MaxValue)] int ClearRows,
    [property: Range(0, 255)] int? Class,
    string? ClassName,
    [property: Range(0.0, double.MaxValue)] double? RangeM);

/// <summary>Per-frame latencies in milliseconds.</summary>
public sealed record FrameLatencies([property: Range(0.0, double.MaxValue)] double CaptureToPublish,
    [property: Range(0.0, double.MaxValue)] double Inference);

/// <summary>A GNSS fix as the daemon attaches it to <c>drivable</c> and <c>domain_shift</c>; members the receiver
/// did not send are null (left out of the JSON).</summary>
public sealed record GpsFix(
    [property: Range(-90.0, 90.0)] double Lat,
    [property: Range(-180.0, 180.0)] double Lon,
    [property: Range(0, 8)] int FixQuality,
    DateTimeOffset Time,
    double? AltM = null,
    [property: Range(0, int.MaxValue)] int? Satellites = null,
    [property: Range(0.0, double.MaxValue)] double? Hdop = null);
