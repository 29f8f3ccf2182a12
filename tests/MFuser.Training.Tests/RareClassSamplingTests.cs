using MFuser.Training.Augmentation;
using MFuser.Training.Learning;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>Rare-class sampling and the augmented training batches built on it.</summary>
public class RareClassSamplingTests
{
    /// <summary>Pool of 4 frames (3 classes): class 0 everywhere, class 1 large in frame 1 and tiny in frame 2, class 2 only tiny.</summary>
    private static ClassStats Pool() => new(8, 8, [10, 11, 12, 13],
    [
        [1000, 0, 0], [500, 400, 0], [900, 5, 3], [990, 0, 0],
    ]);

    [Fact]
    public void Temperature_100_is_nearly_uniform_and_classes_without_a_qualifying_frame_are_left_out()
    {
        var rcs = new RareClassSampler(Pool(), temperature: 100, minPixels: 10, minCropPixels: 5);
        Assert.Equal([0, 1], rcs.Classes);                       // class 2 never exceeds 10 px in a frame
        Assert.Equal(1.0, rcs.Probabilities.Sum(), 9);
        Assert.True(rcs.Probabilities.Max() / rcs.Probabilities.Min() < 1.01);
        Assert.True(rcs.Probabilities[1] > rcs.Probabilities[0]);  // the rarer class still gets slightly more
        var sharp = new RareClassSampler(Pool(), temperature: 0.01, minPixels: 10, minCropPixels: 5);
        Assert.True(sharp.Probabilities[1] > 0.99, "at a low temperature the rare class dominates");
    }

    [Fact]
    public void Samples_name_a_pool_frame_that_holds_the_drawn_class()
    {
        var stats = Pool();
        var rcs = new RareClassSampler(stats, 100, minPixels: 10, minCropPixels: 5);
        var rng = new Random(4);
        var draws = Enumerable.Range(0, 2000).Select(_ => rcs.Sample(rng)).ToList();
        foreach (var (cls, seed) in draws)
            Assert.True(stats.Pixels[Array.IndexOf(stats.Seeds, seed)][cls] > 10, $"seed {seed} has too few pixels of class {cls}");
        Assert.All(draws.Where(d => d.Class == 1), d => Assert.Equal(11, d.Seed));
        Assert.InRange(draws.Count(d => d.Class == 1), 900, 1100);
        Assert.Equal(4, draws.Where(d => d.Class == 0).Select(d => d.Seed).Distinct().Count());
    }

    [Fact]
    public void Statistics_count_rendered_pixels_and_round_trip_through_json()
    {
        var stats = ClassStats.Measure(new PatternScenes(), [1, 2, 3], 32, 16, 19);
        Assert.All(stats.Pixels, row => Assert.Equal(32 * 16, row.Sum()));
        Assert.All(stats.Pixels, row => Assert.True(row[10] > 0 && row[0] > 0));   // sky and road in every pattern scene
        var path = Path.Combine(Path.GetTempPath(), $"rcs-{Guid.NewGuid():N}.json");
        try
        {
            stats.Save(path);
            var back = ClassStats.Load(path);
            Assert.Equal(stats.Seeds, back.Seeds);
            Assert.Equal(stats.Pixels.SelectMany(r => r), back.Pixels.SelectMany(r => r));
        }
        finally { File.Delete(path); }
    }

    [Fact]
    public void Augmented_batches_are_reproducible_functions_of_run_seed_and_step()
    {
        var cfg = TrainingTests.Micro();
        var stats = ClassStats.Measure(new PatternScenes(), Enumerable.Range(0, 16).ToArray(), cfg.ImageWidth, cfg.ImageHeight, cfg.NumClasses);
        var (minPx, minCrop) = TrainBatches.RcsThresholds(cfg);
        var rcs = new RareClassSampler(stats, 100, minPx, minCrop);
        using var a = new AugmentedBatches(new PatternScenes(), cfg, rcs, runSeed: 3, batchSize: 2);
        using var b = new AugmentedBatches(new PatternScenes(), cfg, rcs, runSeed: 3, batchSize: 2);
        var (x0, y0) = a.Get(0);
        var (x1, y1) = a.Get(1);
        var (ex1, ey1) = FrameTensors.From(b.Frames(1), cfg);        // another instance, step 1 first
        Assert.Equal(new long[] { 2, 3, cfg.ImageHeight, cfg.ImageWidth }, x1.shape);
        Assert.True(Same(x1, ex1) && Same(y1, ey1));
        Assert.False(Same(x0, x1));
        var other = new AugmentedBatches(new PatternScenes(), cfg, rcs, runSeed: 4, batchSize: 2);
        Assert.False(Same(FrameTensors.From(other.Frames(1), cfg).Images, ex1));
        // labels are train ids or ignore, images CLIP-normalised
        var labels = y0.unique().output.data<long>().ToArray();
        Assert.All(labels, l => Assert.True(l is >= 0 and < 19 or 255, $"label {l}"));
        Assert.InRange(x0.abs().max().item<float>(), 0.5f, 3f);
    }

    private static bool Same(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && (a == b).all().item<bool>();

    [Fact]
    public void Flip_pipeline_stays_the_original_scene_data_batches()
    {
        var cfg = TrainingTests.Micro();
        var o = new TrainOptions { Augment = "flip", BatchSize = 2, Steps = 3, Seed = 5, Out = Path.GetTempPath() };
        using var batches = TrainBatches.Create(o, new PatternScenes(), cfg, TextWriter.Null);
        var (x, y) = batches.Get(2);
        var (ex, ey) = new SceneData(new PatternScenes(), cfg).TrainBatch(5, 2, 2);
        Assert.True(Same(x, ex) && Same(y, ey));
        Assert.Throws<ArgumentException>(() => TrainBatches.Create(o with { Augment = "fog" }, new PatternScenes(), cfg, TextWriter.Null));
    }
}
