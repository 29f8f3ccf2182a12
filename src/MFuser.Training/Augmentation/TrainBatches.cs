using MFuser.Onnx.Architecture;
using MFuser.Training.Learning;

namespace MFuser.Training.Augmentation;

/// <summary>Chooses the training data pipeline of a run (<see cref="TrainOptions.Augment"/>).</summary>
public static class TrainBatches
{
    public static IReadOnlyList<string> Pipelines { get; } = ["flip", "official"];

    /// <summary>Official RCS thresholds (3000 px of a 2048×1024 frame; half of it in a 512×512 crop), scaled by area.</summary>
    public static (int MinPixels, int MinCropPixels) RcsThresholds(MFuserConfig cfg)
    {
        double area = cfg.ImageWidth * (double)cfg.ImageHeight;
        return ((int)Math.Round(3000 * area / (2048.0 * 1024)), (int)Math.Round(1500 * area / (512.0 * 512)));
    }

    public static ITrainBatches Create(TrainOptions o, ISceneSource scenes, MFuserConfig cfg, TextWriter log)
    {
        switch (o.Augment)
        {
            case "flip":
                return new FlipBatches(new SceneData(scenes, cfg), o.Seed, o.BatchSize);
            case "official":
                RareClassSampler? rcs = null;
                if (o.RareClassSampling)
                {
                    var stats = PoolStatistics(o, scenes, cfg, log);
                    var (minPixels, minCrop) = RcsThresholds(cfg);
                    rcs = new RareClassSampler(stats, temperature: 100, minPixels, minCrop);
                    log.WriteLine($"rare-class sampling over {rcs.Classes.Count} classes (pool {stats.Seeds.Length} frames, " +
                                  $">{minPixels} px per frame, >{minCrop} px per crop): " +
                                  string.Join(", ", rcs.Classes.Select((c, i) => $"{c}:{rcs.FramesFor(i)}")));
                }
                return new AugmentedBatches(scenes, cfg, rcs, o.Seed, o.BatchSize);
            default:
                throw new ArgumentException($"unknown --augment '{o.Augment}': expected one of {string.Join(", ", Pipelines)}");
        }
    }

    /// <summary>Class statistics of the run's pool (training seeds), cached as <c>rcs_stats.json</c> in the run folder.</summary>
    private static ClassStats PoolStatistics(TrainOptions o, ISceneSource scenes, MFuserConfig cfg, TextWriter log)
    {
        var seeds = Enumerable.Range(0, o.RcsPool).Select(i => SceneData.TrainSeed(o.Seed, 0, i, 1)).ToArray();
        var path = Path.Combine(o.Out, "rcs_stats.json");
        if (File.Exists(path))
        {
            var cached = ClassStats.Load(path);
            if (cached.Seeds.SequenceEqual(seeds) && cached.Width == cfg.ImageWidth && cached.Height == cfg.ImageHeight) return cached;
        }
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var stats = ClassStats.Measure(scenes, seeds, cfg.ImageWidth, cfg.ImageHeight, cfg.NumClasses);
        stats.Save(path);
        log.WriteLine($"class statistics of {seeds.Length} source frames in {clock.Elapsed.TotalSeconds:F0} s -> {path}");
        return stats;
    }
}
