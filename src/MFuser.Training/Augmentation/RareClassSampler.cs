using System.Text.Json;
using MFuser.Scenes;
using MFuser.Training.Learning;

namespace MFuser.Training.Augmentation;

/// <summary>Per-frame class pixel counts of a pool of rendered source frames (DAFormer's <c>sample_class_stats</c>).</summary>
public sealed record ClassStats(int Width, int Height, int[] Seeds, long[][] Pixels)
{
    /// <summary>Renders every seed once in the source domain at <paramref name="width"/>×<paramref name="height"/> and counts
    /// the pixels of each class (255 excluded).</summary>
    public static ClassStats Measure(ISceneSource source, IReadOnlyList<int> seeds, int width, int height, int classes)
    {
        var bgr = new byte[width * height * 3];
        var labels = new byte[width * height];
        var pixels = new long[seeds.Count][];
        for (int i = 0; i < seeds.Count; i++)
        {
            source.Render(seeds[i], Domains.Source, width, height, bgr, labels);
            var counts = new long[classes];
            foreach (var l in labels) if (l < classes) counts[l]++;
            pixels[i] = counts;
        }
        return new ClassStats(width, height, seeds.ToArray(), pixels);
    }

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    public void Save(string path) => File.WriteAllText(path, JsonSerializer.Serialize(this, Json));
    public static ClassStats Load(string path) =>
        JsonSerializer.Deserialize<ClassStats>(File.ReadAllText(path), Json) ?? throw new InvalidDataException($"{path}: empty class statistics");
}

/// <summary>
/// Rare-class sampling as the official recipe configures it (DAFormer's RCS): a class c is drawn with probability
/// softmax((1 − f_c) / T) over the classes present in the pool (f_c = the class's share of all labelled pixels;
/// T = 100 makes it nearly uniform), then a frame of the pool with more than <see cref="MinPixels"/> pixels of c.
/// The caller re-draws the augmentation up to 10 times until the crop holds more than
/// <see cref="MinCropPixels"/> pixels of c. Classes without any qualifying frame are left out.
/// </summary>
public sealed class RareClassSampler
{
    private readonly int[][] framesWithClass;

    public IReadOnlyList<int> Classes { get; }
    public double[] Probabilities { get; }
    public ClassStats Stats { get; }
    public int MinPixels { get; }
    public int MinCropPixels { get; }

    /// <param name="minPixels">Pixels of the class a pool frame needs (official 3000 at 2048×1024 → scale by area).</param>
    /// <param name="minCropPixels">Pixels of the class a crop should hold (official 0.5·3000 in a 512×512 crop).</param>
    public RareClassSampler(ClassStats stats, double temperature, int minPixels, int minCropPixels)
    {
        Stats = stats; MinPixels = minPixels; MinCropPixels = minCropPixels;
        int k = stats.Pixels.Length == 0 ? 0 : stats.Pixels[0].Length;
        var total = new double[k];
        foreach (var row in stats.Pixels) for (int c = 0; c < k; c++) total[c] += row[c];
        double sum = total.Sum();
        var classes = new List<int>();
        var frames = new List<int[]>();
        for (int c = 0; c < k; c++)
        {
            var with = Enumerable.Range(0, stats.Pixels.Length).Where(i => stats.Pixels[i][c] > minPixels).ToArray();
            if (total[c] == 0 || with.Length == 0) continue;
            classes.Add(c);
            frames.Add(with);
        }
        if (classes.Count == 0) throw new ArgumentException($"no class has a pool frame with more than {minPixels} pixels");
        Classes = classes;
        framesWithClass = frames.ToArray();
        var logits = classes.Select(c => (1 - total[c] / sum) / temperature).ToArray();
        double max = logits.Max();
        var e = logits.Select(l => Math.Exp(l - max)).ToArray();
        Probabilities = e.Select(v => v / e.Sum()).ToArray();
    }

    /// <summary>Number of pool frames that qualify for class index <paramref name="i"/> of <see cref="Classes"/>.</summary>
    public int FramesFor(int i) => framesWithClass[i].Length;

    /// <summary>Draws (class, seed of a pool frame with that class).</summary>
    public (int Class, int Seed) Sample(Random rng)
    {
        double u = rng.NextDouble(), acc = 0;
        int i = 0;
        for (; i < Probabilities.Length - 1; i++)
        {
            acc += Probabilities[i];
            if (u < acc) break;
        }
        var frames = framesWithClass[i];
        return (Classes[i], Stats.Seeds[frames[rng.Next(frames.Length)]]);
    }
}
