using MFuser.Edge.Core.Calibration;

namespace MFuser.Edge.FieldLog.Foxglove;

/// <summary>
/// Where the camera sits on the vehicle, as the foxglove.FrameTransform <see cref="Parent"/> → <see cref="Child"/>:
/// the translation is the child's origin in the parent frame, the rotation (unit quaternion) turns child axes into
/// parent axes. With <see cref="FromCalibration"/>: parent <c>base_link</c> (X forward, Y left, Z up, origin on the
/// ground directly below the camera — the calibration's vehicle frame, see <see cref="CameraCalibration"/>), child
/// <c>camera</c> (the optical frame of foxglove.CompressedImage: x right, y down, z forward), translation
/// (0, 0, mount height), rotation from the mounting pitch and roll.
/// </summary>
public sealed record CameraMount(string Parent, string Child, double X, double Y, double Z, double Qx, double Qy, double Qz, double Qw)
{
    /// <summary>The mount of a calibrated camera (pitch &gt; 0 looks down, roll &gt; 0 drops its right side).</summary>
    public static CameraMount FromCalibration(CameraCalibration calibration, string parent = "base_link", string child = "camera")
    {
        double cp = Math.Cos(calibration.PitchRad), sp = Math.Sin(calibration.PitchRad);
        double cr = Math.Cos(calibration.RollRad), sr = Math.Sin(calibration.RollRad);
        // Camera → level camera is pitch · roll (as in GroundProjector); level camera → base_link maps z → X, −x → Y,
        // −y → Z. The product, written out (columns: the camera's x, y, z axes in base_link):
        double[] r = [-sp * sr, -sp * cr, cp, -cr, sr, 0, -cp * sr, -cp * cr, -sp];
        var (qx, qy, qz, qw) = Quaternion(r);
        return new CameraMount(parent, child, 0, 0, calibration.MountHeightM, qx, qy, qz, qw);
    }

    /// <summary>Maps a point given in the child frame into the parent frame.</summary>
    public (double X, double Y, double Z) ToParent(double x, double y, double z)
    {
        // v' = v + 2·q×(q×v + w·v) for the unit quaternion (Qx, Qy, Qz, Qw)
        double tx = Qy * z - Qz * y + Qw * x, ty = Qz * x - Qx * z + Qw * y, tz = Qx * y - Qy * x + Qw * z;
        return (X + x + 2 * (Qy * tz - Qz * ty), Y + y + 2 * (Qz * tx - Qx * tz), Z + z + 2 * (Qx * ty - Qy * tx));
    }

    /// <summary>Unit quaternion of a proper rotation matrix (row-major), by the largest of its four candidates.</summary>
    private static (double X, double Y, double Z, double W) Quaternion(double[] m)
    {
        double trace = m[0] + m[4] + m[8];
        if (trace > 0)
        {
            var s = 2 * Math.Sqrt(1 + trace);
            return ((m[7] - m[5]) / s, (m[2] - m[6]) / s, (m[3] - m[1]) / s, s / 4);
        }
        if (m[0] > m[4] && m[0] > m[8])
        {
            var s = 2 * Math.Sqrt(1 + m[0] - m[4] - m[8]);
            return (s / 4, (m[1] + m[3]) / s, (m[2] + m[6]) / s, (m[7] - m[5]) / s);
        }
        if (m[4] > m[8])
        {
            var s = 2 * Math.Sqrt(1 + m[4] - m[0] - m[8]);
            return ((m[1] + m[3]) / s, s / 4, (m[5] + m[7]) / s, (m[2] - m[6]) / s);
        }
        var t = 2 * Math.Sqrt(1 + m[8] - m[0] - m[4]);
        return ((m[2] + m[6]) / t, (m[5] + m[7]) / t, t / 4, (m[3] - m[1]) / t);
    }
}
