using MFuser.Edge.Core.Calibration;
using MFuser.Edge.FieldLog.Foxglove;

namespace MFuser.Edge.FieldLog.Tests.Foxglove;

/// <summary>The base_link → camera transform agrees with the ground geometry the drivable analysis uses.</summary>
public sealed class CameraMountTests
{
    private static CameraCalibration Camera(double pitchDeg, double rollDeg) => new()
    {
        Source = "test", ImageWidth = 640, ImageHeight = 360, Fx = 400, Fy = 410, Cx = 319.5, Cy = 179.5, MountHeightM = 1.45,
        PitchRad = pitchDeg * Math.PI / 180, RollRad = rollDeg * Math.PI / 180,
    };

    [Theory]
    [InlineData(0, 0)]
    [InlineData(8, 0)]
    [InlineData(5, 3)]
    [InlineData(-2, -4)]
    public void A_pixel_ray_through_the_transform_meets_the_ground_where_the_ground_projector_says(double pitchDeg, double rollDeg)
    {
        var camera = Camera(pitchDeg, rollDeg);
        var mount = CameraMount.FromCalibration(camera);
        var projector = new GroundProjector(camera);
        Assert.Equal(("base_link", "camera"), (mount.Parent, mount.Child));
        Assert.Equal(1, mount.Qx * mount.Qx + mount.Qy * mount.Qy + mount.Qz * mount.Qz + mount.Qw * mount.Qw, 12);
        foreach (var (u, v) in new[] { (320.0, 300.0), (40.0, 350.0), (600.0, 260.0), (200.0, 220.0) })
        {
            Assert.True(projector.TryProjectToGround(u, v, out var forward, out var left));
            var origin = mount.ToParent(0, 0, 0);
            var tip = mount.ToParent((u - camera.Cx) / camera.Fx, (v - camera.Cy) / camera.Fy, 1);
            var (dx, dy, dz) = (tip.X - origin.X, tip.Y - origin.Y, tip.Z - origin.Z);
            var t = -origin.Z / dz;
            Assert.Equal(forward, origin.X + t * dx, 9);
            Assert.Equal(left, origin.Y + t * dy, 9);
        }
    }

    [Fact]
    public void A_level_camera_looks_along_x_with_its_right_along_minus_y_and_down_along_minus_z()
    {
        var mount = CameraMount.FromCalibration(Camera(0, 0));
        Assert.Equal((0.0, 0.0, 1.45), mount.ToParent(0, 0, 0));
        Near((1, 0, 1.45), mount.ToParent(0, 0, 1));
        Near((0, -1, 1.45), mount.ToParent(1, 0, 0));
        Near((0, 0, 0.45), mount.ToParent(0, 1, 0));
    }

    private static void Near((double X, double Y, double Z) expected, (double X, double Y, double Z) actual)
    {
        Assert.Equal(expected.X, actual.X, 12);
        Assert.Equal(expected.Y, actual.Y, 12);
        Assert.Equal(expected.Z, actual.Z, 12);
    }
}
