namespace MFuser.Edge.Core.Calibration;

/// <summary>
/// A camera's intrinsics (OpenCV pinhole model with plumb-bob or rational distortion) and its mounting on the
/// vehicle, valid for images of <see cref="ImageWidth"/>×<see cref="ImageHeight"/> pixels.
/// </summary>
/// <remarks>
/// Conventions. Pixel coordinates are OpenCV's: the centre of the top-left pixel is (0, 0), u to the right, v down.
/// The camera frame is x right, y down, z forward. The vehicle (ground) frame is ROS's base_link convention:
/// X forward, Y left, Z up, origin on the ground directly below the camera; the ground is the plane Z = 0.
/// <see cref="PitchRad"/> &gt; 0 tilts the optical axis down towards the ground. <see cref="RollRad"/> &gt; 0
/// rotates the camera clockwise about its optical axis as seen from behind it (its right side goes down); roll is
/// applied about the camera's own, already pitched, optical axis. The camera has no yaw relative to the vehicle.
/// </remarks>
public sealed record CameraCalibration
{
    /// <summary>Where the calibration came from (file path or a test name), used in messages.</summary>
    public required string Source { get; init; }
    public required int ImageWidth { get; init; }
    public required int ImageHeight { get; init; }
    public required double Fx { get; init; }
    public required double Fy { get; init; }
    public required double Cx { get; init; }
    public required double Cy { get; init; }
    /// <summary>OpenCV distortion coefficients k1, k2, p1, p2[, k3[, k4, k5, k6]] (0, 4, 5 or 8 values).</summary>
    public IReadOnlyList<double> Distortion { get; init; } = [];
    /// <summary>Height of the camera's optical centre above the ground plane, metres (&gt; 0).</summary>
    public required double MountHeightM { get; init; }
    public double PitchRad { get; init; }
    public double RollRad { get; init; }

    /// <summary>The same camera seen through an image resized to <paramref name="width"/>×<paramref name="height"/>
    /// (the model resolution). Focal lengths scale with each axis; the principal point follows OpenCV's resize
    /// convention for pixel centres, c' = (c + 0.5)·s − 0.5. Distortion and mounting do not change.</summary>
    public CameraCalibration ScaledTo(int width, int height)
    {
        if (width <= 0 || height <= 0)
            throw new ArgumentOutOfRangeException(nameof(width), $"target size must be positive, got {width}x{height}");
        if (width == ImageWidth && height == ImageHeight)
            return this;
        double sx = (double)width / ImageWidth, sy = (double)height / ImageHeight;
        return this with
        {
            ImageWidth = width, ImageHeight = height,
            Fx = Fx * sx, Fy = Fy * sy,
            Cx = (Cx + 0.5) * sx - 0.5, Cy = (Cy + 0.5) * sy - 0.5,
        };
    }

    /// <summary>Reads <c>calibration/&lt;name&gt;.yaml</c> (OpenCV FileStorage or ROS camera_calibration YAML plus the
    /// mounting keys); see <see cref="CalibrationYaml"/> for the accepted keys.</summary>
    public static CameraCalibration Load(string path) => CalibrationYaml.Load(path);
}
