namespace MFuser.Scenes.World;

/// <summary>Where the camera stands on the road (arc length <see cref="S"/>) and the mapping between road
/// coordinates (s, d) and camera coordinates (X right, Z forward). The road is "bent" around the camera: the
/// centre line at forward distance Z lies at X = <see cref="CentreX"/>(Z), from the analytically integrated
/// heading change, which is accurate for the gentle curvatures of streets.</summary>
public sealed class View
{
    private readonly float[] centre = new float[(int)CameraRig.Far + 2];

    public double S { get; private set; }
    public CameraRig Camera { get; private set; }
    /// <summary>Absolute heading of the road at the camera (radians), for the distant skyline.</summary>
    public float Heading { get; private set; }

    public void Set(RoadLayout road, CameraRig camera, double s)
    {
        S = s;
        Camera = camera;
        Heading = road.HeadingChange(0, (float)s);
        float x = 0, prev = 0;
        centre[0] = 0;
        for (var z = 1; z < centre.Length; z++)
        {
            var th = road.HeadingChange(s, z);
            x += 0.5f * (MathF.Sin(prev) + MathF.Sin(th));
            prev = th;
            centre[z] = x;
        }
    }

    /// <summary>Lateral position of the road centre line at forward distance z (camera X), including yaw.</summary>
    public float CentreX(float z)
    {
        float c;
        if (z <= 0) c = 0;
        else if (z >= centre.Length - 1) c = centre[^1];
        else
        {
            var i = (int)z;
            c = centre[i] + (centre[i + 1] - centre[i]) * (z - i);
        }
        return c - Camera.Yaw * z;
    }

    public float ToX(double s, float d) => CentreX((float)(s - S)) + d - Camera.LateralOffset;
    public float ToZ(double s) => (float)(s - S);
}
