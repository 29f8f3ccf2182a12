namespace MFuser.Edge.Core.Calibration;

/// <summary>
/// Image ↔ ground geometry of one calibrated camera at one image size: undistortion, bearings from the intrinsics
/// and the ground-plane homography (flat ground, camera at <see cref="CameraCalibration.MountHeightM"/>).
/// All work is done in constructors and look-up tables; the per-call methods allocate nothing.
/// </summary>
public sealed class GroundProjector
{
    private const int UndistortIterations = 20;
    private readonly double _fx, _fy, _cx, _cy;
    private readonly double _k1, _k2, _p1, _p2, _k3, _k4, _k5, _k6;
    private readonly bool _distorted;

    public GroundProjector(CameraCalibration calibration)
    {
        Calibration = calibration;
        (_fx, _fy, _cx, _cy) = (calibration.Fx, calibration.Fy, calibration.Cx, calibration.Cy);
        var d = calibration.Distortion;
        double D(int i) => i < d.Count ? d[i] : 0;
        (_k1, _k2, _p1, _p2, _k3, _k4, _k5, _k6) = (D(0), D(1), D(2), D(3), D(4), D(5), D(6), D(7));
        _distorted = d.Any(c => c != 0);

        // Rotation from the camera frame into the "level camera" frame (x right, y down, z forward, optical axis
        // horizontal): first the roll about the optical axis, then the pitch about the x axis.
        double cp = Math.Cos(calibration.PitchRad), sp = Math.Sin(calibration.PitchRad);
        double cr = Math.Cos(calibration.RollRad), sr = Math.Sin(calibration.RollRad);
        double[] pitch = [1, 0, 0, 0, cp, sp, 0, -sp, cp];
        double[] roll = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
        var r = Mul(pitch, roll);
        // Level-camera ray d meets the ground (Z = 0, camera at height h) at X = h·d.z / d.y, Y = −h·d.x / d.y.
        var h = calibration.MountHeightM;
        double[] toGround = [0, 0, h, -h, 0, 0, 0, 1, 0];
        double[] kInv = [1 / _fx, 0, -_cx / _fx, 0, 1 / _fy, -_cy / _fy, 0, 0, 1];
        Homography = Mul(Mul(toGround, r), kInv);
    }

    public CameraCalibration Calibration { get; }

    /// <summary>The 3×3 image→ground homography, row-major: [X·w, Y·w, w]ᵀ = H·[u, v, 1]ᵀ for an undistorted pixel
    /// (u, v); X forward and Y left in metres. Points with w ≤ 0 lie on or above the horizon.</summary>
    public IReadOnlyList<double> Homography { get; }

    /// <summary>Removes lens distortion: the pixel an ideal pinhole camera would have seen (OpenCV's iterative
    /// undistortPoints). Identity when the calibration has no distortion.</summary>
    public void Undistort(double u, double v, out double uu, out double vu)
    {
        if (!_distorted)
        {
            (uu, vu) = (u, v);
            return;
        }
        double x0 = (u - _cx) / _fx, y0 = (v - _cy) / _fy, x = x0, y = y0;
        for (var i = 0; i < UndistortIterations; i++)
        {
            var r2 = x * x + y * y;
            var icdist = (1 + ((_k6 * r2 + _k5) * r2 + _k4) * r2) / (1 + ((_k3 * r2 + _k2) * r2 + _k1) * r2);
            var dx = 2 * _p1 * x * y + _p2 * (r2 + 2 * x * x);
            var dy = _p1 * (r2 + 2 * y * y) + 2 * _p2 * x * y;
            x = (x0 - dx) * icdist;
            y = (y0 - dy) * icdist;
        }
        (uu, vu) = (x * _fx + _cx, y * _fy + _cy);
    }

    /// <summary>Where the ray through pixel (u, v) meets the ground: <paramref name="forwardM"/> (X) and
    /// <paramref name="leftM"/> (Y) in metres from the point below the camera. False for pixels on or above the
    /// horizon.</summary>
    public bool TryProjectToGround(double u, double v, out double forwardM, out double leftM)
    {
        Undistort(u, v, out var uu, out var vu);
        var hm = Homography;
        var w = hm[6] * uu + hm[7] * vu + hm[8];
        if (w <= 1e-12)
        {
            forwardM = leftM = double.NaN;
            return false;
        }
        forwardM = (hm[0] * uu + hm[1] * vu + hm[2]) / w;
        leftM = (hm[3] * uu + hm[4] * vu + hm[5]) / w;
        return true;
    }

    /// <summary>The bearing of image column <paramref name="u"/> from the intrinsics: the horizontal angle of the
    /// undistorted ray through (u, c_y), in radians, counter-clockwise (left) positive, 0 along the optical axis —
    /// the LaserScan convention. Mounting pitch and roll do not enter.</summary>
    public double AzimuthOfColumn(double u)
    {
        Undistort(u, _cy, out var uu, out _);
        return Math.Atan(-(uu - _cx) / _fx);
    }

    /// <summary>The inverse of <see cref="AzimuthOfColumn"/> within the image, from its left edge (u = −0.5) to its
    /// right edge (u = width − 0.5); azimuths outside clamp to the edge (bisection; not for per-frame use).</summary>
    public double ColumnOfAzimuth(double azimuthRad)
    {
        double lo = -0.5, hi = Calibration.ImageWidth - 0.5;
        for (var i = 0; i < 80; i++)
        {
            var mid = 0.5 * (lo + hi);
            if (AzimuthOfColumn(mid) > azimuthRad)
                lo = mid; // azimuth falls as u grows
            else
                hi = mid;
        }
        return 0.5 * (lo + hi);
    }

    private static double[] Mul(double[] a, double[] b)
    {
        var c = new double[9];
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                c[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
        return c;
    }
}
