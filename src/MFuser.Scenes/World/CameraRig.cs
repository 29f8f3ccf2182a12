using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>A pinhole camera on the ego vehicle. The image plane is vertical; pitch is expressed as a vertical
/// principal-point offset (the horizon row <see cref="Cy"/>), which is exact for a shifted-sensor camera and
/// equal to a small pitch to first order. The camera looks along the road tangent, turned by <see cref="Yaw"/>.</summary>
public readonly record struct CameraRig(float Height, float FovDegrees, float Focal, float Cx, float Cy, float LateralOffset, float Yaw)
{
    /// <summary>Closest depth that is drawn (metres).</summary>
    public const float Near = 0.4f;
    /// <summary>Farthest depth of modelled geometry (metres); the distant skyline sits beyond it.</summary>
    public const float Far = 260f;

    /// <summary>Jittered camera for a seed: height 1.25–1.7 m, horizontal FOV 60–80°, horizon ±6 % of the image
    /// height, small yaw. The <c>mount</c> domain moves it to a truck-like mounting (2.2–2.6 m, 85–100°).</summary>
    public static CameraRig ForSeed(long seed, Domain domain, int width, int height, float lateralOffset)
    {
        var rng = Rng.For(seed, 2);
        var h = rng.Range(1.25f, 1.7f);
        var fov = rng.Range(60f, 80f);
        var horizon = rng.Range(0.42f, 0.52f);
        var yaw = rng.Range(-0.03f, 0.03f);
        if (domain.ChangesGeometry())
        {
            h = 2.2f + (h - 1.25f) * 0.9f;
            fov = 85f + (fov - 60f) * 0.75f;
            horizon -= 0.08f;
        }
        var focal = width * 0.5f / MathF.Tan(fov * MathF.PI / 360f);
        return new CameraRig(h, fov, focal, width * 0.5f, height * horizon, lateralOffset, yaw);
    }
}
