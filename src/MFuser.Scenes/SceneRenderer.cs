using MFuser.Scenes.Randomness;
using MFuser.Scenes.Rendering;
using MFuser.Scenes.World;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes;

/// <summary>Renders single driving scenes: a seed picks the street, its traffic and the camera jitter; the domain
/// picks the appearance. The image and the label map come from the same geometry, so labels are exact, and for
/// one seed every appearance domain yields the same label map (<see cref="Domain.Mount"/> moves the camera).
/// Output is deterministic: the same (seed, domain, size) gives byte-identical results on a given runtime and
/// architecture (floating-point transcendental functions may differ across CPU architectures).
/// One instance is not thread-safe; give each thread its own (instances share nothing).</summary>
public sealed class SceneRenderer
{
    /// <summary>Speed assumed for the traffic of a single scene (m/s).</summary>
    private const float EgoSpeed = 11f;

    private readonly SceneWorld world = new();
    private readonly FramePipeline pipeline = new();

    /// <summary>Depth (metres, +∞ for sky) of each pixel of the last rendered scene.</summary>
    public ReadOnlySpan<float> Depth => pipeline.Depth;

    /// <summary>Renders scene <paramref name="seed"/> in <paramref name="domain"/> into caller-provided buffers.</summary>
    /// <param name="bgr">H·W·3 bytes, BGR interleaved (OpenCV's order), row-major.</param>
    /// <param name="labels">H·W bytes of Cityscapes train ids (<see cref="TrainIds"/>).</param>
    public void Render(int seed, Domain domain, int width, int height, Span<byte> bgr, Span<byte> labels)
    {
        CheckBuffers(width, height, bgr.Length, labels.Length);
        world.Reset(seed, EgoSpeed, 0);
        var camera = CameraRig.ForSeed(seed, domain, width, height, world.EgoOffset);
        pipeline.Render(world, camera, 0, domain, Hash.Mix((ulong)seed, (ulong)domain, 0xD0), width, height, bgr, labels);
    }

    /// <summary>Validates an output size and buffer lengths; the messages name the argument and both lengths.</summary>
    internal static void CheckBuffers(int width, int height, int bgrLength, int labelsLength)
    {
        if (width < 16 || height < 16 || width > 8192 || height > 8192)
            throw new ArgumentOutOfRangeException(nameof(width), $"image size {width}x{height} is outside 16..8192 per side");
        if (bgrLength != width * height * 3)
            throw new ArgumentException($"bgr buffer has {bgrLength} bytes, expected {width}x{height}x3 = {width * height * 3}", "bgr");
        if (labelsLength != width * height)
            throw new ArgumentException($"labels buffer has {labelsLength} bytes, expected {width}x{height} = {width * height}", "labels");
    }
}
