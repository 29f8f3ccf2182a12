using MFuser.Edge.Core.Calibration;

namespace MFuser.Edge.Core.Tests.Calibration;

/// <summary>Flat ground, camera at a known height, pitch and roll: expected values are worked out by hand (classic
/// formulas) or by projecting ground points forward with independent code, never by the code under test.</summary>
public class GroundProjectorTests
{
    private static CameraCalibration Camera(double heightM = 1.5, double pitchDeg = 0, double rollDeg = 0, double[]? distortion = null) => new()
    {
        Source = "test",
        ImageWidth = 1280, ImageHeight = 720,
        Fx = 1000, Fy = 1000, Cx = 640, Cy = 360,
        Distortion = distortion ?? [],
        MountHeightM = heightM,
        PitchRad = pitchDeg * Math.PI / 180,
        RollRad = rollDeg * Math.PI / 180,
    };

    [Fact]
    public void Level_camera_sees_the_ground_at_height_over_normalised_row()
    {
        var p = new GroundProjector(Camera());
        // 300 px below the principal point: y_n = 0.3, X = 1.5 / 0.3 = 5 m straight ahead.
        Assert.True(p.TryProjectToGround(640, 660, out var x, out var y));
        Assert.Equal(5.0, x, 9);
        Assert.Equal(0.0, y, 9);
        // 200 px right of centre on the same row: Y = -x_n·X = -0.2·5 = -1 m (right is negative).
        Assert.True(p.TryProjectToGround(840, 660, out x, out y));
        Assert.Equal(5.0, x, 9);
        Assert.Equal(-1.0, y, 9);
    }

    [Theory]
    [InlineData(10, 0.0)]
    [InlineData(10, 0.1)]
    [InlineData(5, 0.25)]
    [InlineData(20, -0.1)]
    public void Pitched_camera_matches_the_textbook_formula_on_the_centre_column(double pitchDeg, double yn)
    {
        // A ray at angle atan(y_n) below the optical axis, which is pitched down by θ, meets flat ground at
        // X = h / tan(θ + atan(y_n)).
        var p = new GroundProjector(Camera(1.5, pitchDeg));
        Assert.True(p.TryProjectToGround(640, 360 + 1000 * yn, out var x, out var y));
        Assert.Equal(1.5 / Math.Tan(pitchDeg * Math.PI / 180 + Math.Atan(yn)), x, 9);
        Assert.Equal(0.0, y, 9);
    }

    [Fact]
    public void Principal_ray_of_a_10_degree_pitch_at_1_5_m_lands_8_507_m_ahead()
    {
        var p = new GroundProjector(Camera(1.5, 10));
        Assert.True(p.TryProjectToGround(640, 360, out var x, out _));
        Assert.Equal(8.50692, x, 5); // 1.5 / tan(10°) = 1.5 / 0.176327
    }

    [Fact]
    public void Rays_at_or_above_the_horizon_miss_the_ground()
    {
        var p = new GroundProjector(Camera(1.5, 10));
        // Horizon row: θ + atan(y_n) = 0 → y_n = -tan 10° → v = 360 - 176.3 = 183.7.
        Assert.False(p.TryProjectToGround(640, 360 - 1000 * Math.Tan(10 * Math.PI / 180) - 0.5, out _, out _));
        Assert.True(p.TryProjectToGround(640, 360 - 1000 * Math.Tan(10 * Math.PI / 180) + 0.5, out var far, out _));
        Assert.True(far > 100);
    }

    [Fact]
    public void Roll_tilts_the_centre_column_sideways_by_height_times_tan_roll()
    {
        // Level pitch, roll φ: the image column through the principal point sweeps the ground line Y = h·tan φ.
        var p = new GroundProjector(Camera(1.5, 0, 5));
        foreach (var v in new[] { 500.0, 600.0, 700.0 })
        {
            Assert.True(p.TryProjectToGround(640, v, out var x, out var y));
            var yn = (v - 360) / 1000;
            Assert.Equal(1.5 / (Math.Cos(5 * Math.PI / 180) * yn), x, 9);
            Assert.Equal(1.5 * Math.Tan(5 * Math.PI / 180), y, 9);
        }
        // Roll about the optical axis does not move the principal ray.
        var pitched = new GroundProjector(Camera(1.5, 10, 7));
        Assert.True(pitched.TryProjectToGround(640, 360, out var x0, out var y0));
        Assert.Equal(1.5 / Math.Tan(10 * Math.PI / 180), x0, 9);
        Assert.Equal(0.0, y0, 9);
    }

    [Theory]
    [InlineData(12, 3, 1.2, 8, 0)]
    [InlineData(6, -2.5, 1.5, 4, 3)]
    [InlineData(30, 0.4, 2.4, 12, -6)]
    public void Ground_points_round_trip_through_an_independent_forward_projection(double x, double y, double h, double pitchDeg, double rollDeg)
    {
        var cam = Camera(h, pitchDeg, rollDeg);
        var (u, v) = ProjectGroundPoint(cam, x, y);
        var p = new GroundProjector(cam);
        Assert.True(p.TryProjectToGround(u, v, out var gx, out var gy));
        Assert.Equal(x, gx, 6);
        Assert.Equal(y, gy, 6);
    }

    [Fact]
    public void Undistort_inverts_the_opencv_distortion_model()
    {
        double[] d = [-0.3, 0.1, 0.001, -0.0005, -0.02];
        var cam = Camera(distortion: d);
        var p = new GroundProjector(cam);
        foreach (var (xn, yn) in new[] { (0.0, 0.0), (0.3, 0.2), (-0.5, 0.25), (0.1, -0.3) })
        {
            // Forward OpenCV model, written out here.
            var r2 = xn * xn + yn * yn;
            var radial = 1 + d[0] * r2 + d[1] * r2 * r2 + d[4] * r2 * r2 * r2;
            var xd = xn * radial + 2 * d[2] * xn * yn + d[3] * (r2 + 2 * xn * xn);
            var yd = yn * radial + d[2] * (r2 + 2 * yn * yn) + 2 * d[3] * xn * yn;
            p.Undistort(1000 * xd + 640, 1000 * yd + 360, out var uu, out var vu);
            Assert.Equal(1000 * xn + 640, uu, 4);
            Assert.Equal(1000 * yn + 360, vu, 4);
        }
    }

    [Fact]
    public void Azimuth_comes_from_the_intrinsics_left_positive()
    {
        var p = new GroundProjector(Camera(1.5, 15, 3)); // mounting does not enter the bearing
        Assert.Equal(0.0, p.AzimuthOfColumn(640), 12);
        Assert.Equal(-Math.PI / 4, p.AzimuthOfColumn(1640), 12);   // x_n = +1 → 45° to the right
        Assert.Equal(Math.Atan(0.5), p.AzimuthOfColumn(140), 12);  // x_n = -0.5 → left
        Assert.Equal(1000.0, p.ColumnOfAzimuth(Math.Atan(-0.36)), 6);
    }

    [Fact]
    public void Homography_maps_undistorted_pixels_to_ground_coordinates()
    {
        var h = new GroundProjector(Camera(2.0)).Homography;
        // Level camera at 2 m: pixel (840, 660) → x_n = 0.2, y_n = 0.3 → X = 6.667, Y = -1.333.
        double u = 840, v = 660;
        var w = h[6] * u + h[7] * v + h[8];
        Assert.Equal(2.0 / 0.3, (h[0] * u + h[1] * v + h[2]) / w, 9);
        Assert.Equal(-0.2 * 2.0 / 0.3, (h[3] * u + h[4] * v + h[5]) / w, 9);
    }

    /// <summary>World (X fwd, Y left, Z up; camera at (0, 0, h)) → pixel, composed from elementary rotations: level
    /// camera axes, then pitch down by θ about the camera x axis, then roll by φ about the optical axis.</summary>
    private static (double U, double V) ProjectGroundPoint(CameraCalibration c, double x, double y)
    {
        // Level camera frame (x right, y down, z forward).
        double lx = -y, ly = c.MountHeightM, lz = x;
        // Undo the pitch: the pitched optical axis is (0, sin θ, cos θ) in the level frame; its y axis (0, cos θ, −sin θ).
        double t = c.PitchRad;
        double px = lx, py = Math.Cos(t) * ly - Math.Sin(t) * lz, pz = Math.Sin(t) * ly + Math.Cos(t) * lz;
        // Undo the roll: the rolled x axis is (cos φ, sin φ, 0), its y axis (−sin φ, cos φ, 0).
        double f = c.RollRad;
        double cx = Math.Cos(f) * px + Math.Sin(f) * py, cy = -Math.Sin(f) * px + Math.Cos(f) * py, cz = pz;
        return (c.Fx * cx / cz + c.Cx, c.Fy * cy / cz + c.Cy);
    }
}
