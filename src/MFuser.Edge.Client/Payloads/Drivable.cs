namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// <c>&lt;base&gt;/drivable</c>: the drivable-area summary of one processed frame (docs/mqtt-api.md). This record is
/// the source of docs/schemas/drivable.json; rows and columns are at model resolution (<see cref="Width"/> ×
/// <see cref="Height"/>).
/// </summary>
/// <param name="Classes">Pixel fraction per class name, every class of <c>info.classes</c>.</param>
/// <param name="Gps">Present only on a device with a GPS receiver: the fresh fix, or null without one.</param>
public sealed record Drivable(
    long Frame,
    DateTimeOffset CapturedAt,
    int Width,
    int Height,
    double DrivableFraction,
    double ConfidenceMean,
    double EntropyMean,
    IReadOnlyDictionary<string, double> Classes,
    double UnknownFraction,
    FreeSpace FreeSpace,
    EgoCorridor EgoCorridor,
    FrameLatencies LatencyMs,
    GpsFix? Gps = null);

/// <summary>The free space per column bin, left to right in the image.</summary>
/// <param name="Rows">Per bin, the row of the first non-drivable pixel scanning up from the bottom; -1 = free to the top.</param>
/// <param name="Classes">Per bin, the class id at that pixel; null when the bin is free to the top.</param>
/// <param name="Scan">The same bins as a polar ground scan; null without a camera calibration.</param>
public sealed record FreeSpace(int Bins, IReadOnlyList<int> Rows, IReadOnlyList<int?> Classes, GroundScan? Scan);

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
    double? RangeMin,
    double RangeMax,
    IReadOnlyList<double?> Ranges);

/// <summary>Where the vehicle's own corridor is first blocked.</summary>
/// <param name="Row">First blocked row scanning up from the bottom; -1 when clear.</param>
/// <param name="Class">The blocking class id; null when clear.</param>
/// <param name="RangeM">Forward ground distance in metres; null without calibration or when clear.</param>
public sealed record EgoCorridor(int Row, int ClearRows, int? Class, string? ClassName, double? RangeM);

/// <summary>Per-frame latencies in milliseconds.</summary>
public sealed record FrameLatencies(double CaptureToPublish, double Inference);

/// <summary>A GNSS fix as the daemon attaches it to <c>drivable</c> and <c>domain_shift</c>; members the receiver
/// did not send are null (left out of the JSON).</summary>
public sealed record GpsFix(
    double Lat,
    double Lon,
    int FixQuality,
    DateTimeOffset Time,
    double? AltM = null,
    int? Satellites = null,
    double? Hdop = null);
