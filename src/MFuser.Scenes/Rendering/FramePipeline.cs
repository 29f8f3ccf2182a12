using MFuser.Scenes.World;

namespace MFuser.Scenes.Rendering;

/// <summary>Renders one frame of a <see cref="SceneWorld"/> seen from a camera at arc length s: the composed
/// objects, the ground and sky around them, contact shadows, then the domain's look. Owns every per-frame buffer, so repeated frames of one size
/// allocate nothing. Not thread-safe: use one instance per thread.</summary>
public sealed class FramePipeline
{
    private readonly Raster raster = new();
    private readonly SceneComposer composer = new();
    private readonly DomainLook look = new();
    private readonly View view = new();
    private float[] skyline = [];
    private byte[] skylineKind = [];
    private readonly DomainStyle[] styles = Domains.All.Select(DomainStyle.For).ToArray();

    /// <summary>Depth of every pixel of the last frame (metres; +∞ for sky), row-major.</summary>
    public ReadOnlySpan<float> Depth => raster.Depth;

    public void Render(SceneWorld world, CameraRig camera, double s, Domain domain, ulong noiseSeed,
        int width, int height, Span<byte> bgr, Span<byte> labels)
    {
        raster.Resize(width, height);
        if (skyline.Length != width) { skyline = new float[width]; skylineKind = new byte[width]; }
        var style = styles[(int)domain];
        raster.Camera = camera;
        raster.Palette = style.Palette;
        view.Set(world.Road, camera, s);
        raster.BeginFrame();
        composer.Compose(raster, view, world.Road, world.Chunks, world.Traffic.Agents);
        GroundPass.Run(raster, view, world.Road, world.Chunks, skyline, skylineKind);
        composer.DrawShadows(raster);
        look.Apply(raster, style, composer.Lights, noiseSeed, bgr);
        raster.Labels.AsSpan().CopyTo(labels);
    }
}
