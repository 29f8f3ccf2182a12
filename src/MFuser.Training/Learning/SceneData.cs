using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Scenes;
using static TorchSharp.torch;
using MFuser.ModelPackage.Classes;

namespace MFuser.Training.Learning;

/// <summary>Renders one synthetic frame: BGR bytes (h·w·3) and Cityscapes train-id labels (h·w, 255 = ignore).</summary>
public interface ISceneSource
{
    void Render(int seed, Domain domain, int width, int height, Span<byte> bgr, Span<byte> labels);
}

/// <summary>
/// Batches of synthetic scenes as model tensors: CLIP-normalised RGB (B, 3, H, W) and int64 labels (B, H, W).
/// Frame seeds are a pure function of (run seed, step, index), so a resumed run sees the same data, and the
/// training and held-out evaluation seed ranges never overlap.
/// </summary>
public sealed class SceneData(ISceneSource source, MFuserConfig cfg)
{
    /// <summary>Evaluation frames use seeds from here up; training seeds stay below.</summary>
    public const int HeldOutSeedBase = 1_000_000_000;

    private readonly byte[] bgr = new byte[cfg.ImageHeight * cfg.ImageWidth * 3];
    private readonly byte[] labels = new byte[cfg.ImageHeight * cfg.ImageWidth];

    public static int TrainSeed(int runSeed, long step, int index, int batchSize) =>
        (int)((runSeed * 7919L + step * batchSize + index) % HeldOutSeedBase);

    /// <summary>Training batch for <paramref name="step"/> (source domain, random horizontal flips).</summary>
    public (Tensor images, Tensor labels) TrainBatch(int runSeed, long step, int batchSize, Domain domain = Domains.Source)
    {
        var seeds = Enumerable.Range(0, batchSize).Select(i => TrainSeed(runSeed, step, i, batchSize)).ToArray();
        var (x, y) = Batch(seeds, domain);
        var flip = tensor(seeds.Select(s => ((uint)s * 2654435761u >> 16 & 1) == 1).ToArray());
        return (where(flip.view(-1, 1, 1, 1), x.flip(-1), x), where(flip.view(-1, 1, 1), y.flip(-1), y));
    }

    /// <summary>Frames of the given seeds in one domain, unaugmented.</summary>
    public (Tensor images, Tensor labels) Batch(IReadOnlyList<int> seeds, Domain domain)
    {
        int h = cfg.ImageHeight, w = cfg.ImageWidth;
        var img = new float[seeds.Count * 3 * h * w];
        var lab = new long[seeds.Count * h * w];
        for (int b = 0; b < seeds.Count; b++)
        {
            source.Render(seeds[b], domain, w, h, bgr, labels);
            int plane = h * w;
            var (scale, shift) = PixelNormalisation.Of(bgr, w, w, h, cfg.PixelMean, cfg.PixelStd, cfg.InputAlignment);
            PixelNormalisation.ToPlanes(bgr, plane, img.AsSpan(b * 3 * plane, 3 * plane), scale, shift);
            for (int p = 0; p < plane; p++) lab[b * plane + p] = labels[p];
        }
        return (tensor(img).view(seeds.Count, 3, h, w), tensor(lab).view(seeds.Count, h, w));
    }
}
