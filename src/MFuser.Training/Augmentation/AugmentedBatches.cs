using MFuser.Onnx.Contract;
using MFuser.Onnx.Architecture;
using MFuser.Scenes;
using MFuser.Training.Learning;
using static TorchSharp.torch;

namespace MFuser.Training.Augmentation;

/// <summary>Training batches of one run: (images, labels) for a step, a pure function of (run seed, step).</summary>
public interface ITrainBatches : IDisposable
{
    (Tensor Images, Tensor Labels) Get(long step);
}

/// <summary>The original recipe: frames of fresh training seeds with random horizontal flips (<see cref="SceneData.TrainBatch"/>).</summary>
public sealed class FlipBatches(SceneData data, int runSeed, int batchSize) : ITrainBatches
{
    public (Tensor Images, Tensor Labels) Get(long step) => data.TrainBatch(runSeed, step, batchSize);
    public void Dispose() { }
}

/// <summary>
/// The official pipeline (<see cref="TrainPipeline"/>) with optional rare-class sampling: each sample gets its own
/// <see cref="Random"/> seeded from (run seed, step, index); with RCS it draws (class, pool frame), renders it and
/// re-runs the pipeline up to 10 times until the crop holds enough pixels of the class (DAFormer); without RCS it
/// renders a fresh training seed. Everything runs on the caller's thread: a second thread allocating while the
/// training thread is inside a native op lets a GC finalise TorchSharp's implicitly created Scalars under it (crash
/// or a wrong operand; docs/training.md), so there is no prefetching.
/// </summary>
public sealed class AugmentedBatches : ITrainBatches
{
    private readonly ISceneSource source;
    private readonly MFuserConfig cfg;
    private readonly TrainPipeline pipeline;
    private readonly RareClassSampler? rcs;
    private readonly int runSeed, batchSize;

    public AugmentedBatches(ISceneSource source, MFuserConfig cfg, RareClassSampler? rcs, int runSeed, int batchSize)
    {
        this.source = source; this.cfg = cfg; this.rcs = rcs; this.runSeed = runSeed; this.batchSize = batchSize;
        pipeline = new TrainPipeline(cfg.ImageWidth, cfg.ImageHeight);
    }

    /// <summary>Seed of the generator of sample <paramref name="index"/> of <paramref name="step"/> (stable across processes).</summary>
    public static int SampleSeed(int runSeed, long step, int index)
    {
        ulong h = (ulong)(uint)runSeed * 0x9E3779B97F4A7C15UL ^ (ulong)step * 0xC2B2AE3D27D4EB4FUL ^ (ulong)(uint)index * 0x165667B19E3779F9UL;
        h ^= h >> 31; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 29;
        return (int)(h & 0x7fffffff);
    }

    public (Tensor Images, Tensor Labels) Get(long step) => FrameTensors.From(Frames(step), cfg);

    /// <summary>The augmented frames of one step (deterministic).</summary>
    public Frame[] Frames(long step) => Enumerable.Range(0, batchSize).Select(i => Sample(step, i)).ToArray();

    private Frame Sample(long step, int index)
    {
        var rng = new Random(SampleSeed(runSeed, step, index));
        if (rcs is null) return pipeline.Apply(Render(SceneData.TrainSeed(runSeed, step, index, batchSize)), rng);
        var (cls, seed) = rcs.Sample(rng);
        var rendered = Render(seed);
        var f = pipeline.Apply(rendered, rng);
        for (int attempt = 0; attempt < 10 && f.LabelHistogram()[cls] <= rcs.MinCropPixels; attempt++) f = pipeline.Apply(rendered, rng);
        return f;
    }

    private Frame Render(int seed)
    {
        var f = new Frame(cfg.ImageWidth, cfg.ImageHeight);
        source.Render(seed, Domains.Source, f.Width, f.Height, f.Bgr, f.Labels);
        return f;
    }

    public void Dispose() { }
}

/// <summary>Frames → model tensors: CLIP-normalised RGB (B, 3, H, W) and int64 labels (B, H, W), as <see cref="SceneData.Batch"/>.</summary>
public static class FrameTensors
{
    public static (Tensor Images, Tensor Labels) From(IReadOnlyList<Frame> frames, MFuserConfig cfg)
    {
        int h = cfg.ImageHeight, w = cfg.ImageWidth, plane = h * w;
        var img = new float[frames.Count * 3 * plane];
        var lab = new long[frames.Count * plane];
        for (int b = 0; b < frames.Count; b++)
        {
            var f = frames[b];
            if (f.Width != w || f.Height != h) throw new ArgumentException($"frame {b} is {f.Width}x{f.Height}, the model takes {w}x{h}");
            var (scale, shift) = PixelNormalisation.Of(f.Bgr, w, f.Content.Width, f.Content.Height, cfg.PixelMean, cfg.PixelStd,
                cfg.InputAlignment);
            var planes = img.AsSpan(b * 3 * plane, 3 * plane);
            PixelNormalisation.ToPlanes(f.Bgr, plane, planes, scale, shift);
            for (int p = 0; p < plane; p++)
            {
                lab[b * plane + p] = f.Labels[p];
                if (p % w >= f.Content.Width || p / w >= f.Content.Height)  // mmseg pads after Normalize with 0
                    planes[p] = planes[plane + p] = planes[2 * plane + p] = 0;
            }
        }
        return (tensor(img).view(frames.Count, 3, h, w), tensor(lab).view(frames.Count, h, w));
    }
}
