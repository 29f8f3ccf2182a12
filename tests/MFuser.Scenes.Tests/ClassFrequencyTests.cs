namespace MFuser.Scenes.Tests;

/// <summary>Over a corpus of 200 scenes every class the issue lists appears, with plausible frequencies.</summary>
public class ClassFrequencyTests
{
    private const int W = 256, H = 128, Count = 200;

    /// <summary>Per class: fraction of all pixels, and number of scenes in which it appears.</summary>
    internal static (double[] fraction, int[] scenes) Measure(int baseSeed, int count, int w, int h)
    {
        var r = new SceneRenderer();
        var bgr = new byte[w * h * 3];
        var labels = new byte[w * h];
        var pixels = new long[TrainIds.Count];
        var scenes = new int[TrainIds.Count];
        var seen = new bool[TrainIds.Count];
        for (var i = 0; i < count; i++)
        {
            r.Render(SceneSeeds.Derive(baseSeed, i), Domain.Clear, w, h, bgr, labels);
            Array.Clear(seen);
            foreach (var l in labels) { pixels[l]++; seen[l] = true; }
            for (var c = 0; c < seen.Length; c++) if (seen[c]) scenes[c]++;
        }
        var total = (double)count * w * h;
        return (pixels.Select(p => p / total).ToArray(), scenes);
    }

    private static readonly Lazy<(double[] fraction, int[] scenes)> Corpus = new(() => Measure(1, Count, W, H));

    public static TheoryData<byte> ListedClasses() => new(
        TrainIds.Road, TrainIds.Sidewalk, TrainIds.Building, TrainIds.Wall, TrainIds.Fence, TrainIds.Pole,
        TrainIds.TrafficLight, TrainIds.TrafficSign, TrainIds.Vegetation, TrainIds.Terrain, TrainIds.Sky,
        TrainIds.Person, TrainIds.Rider, TrainIds.Car, TrainIds.Truck, TrainIds.Bus, TrainIds.Train,
        TrainIds.Motorcycle, TrainIds.Bicycle);

    [Theory]
    [MemberData(nameof(ListedClasses))]
    public void EveryClassAppears(byte id)
    {
        var (fraction, scenes) = Corpus.Value;
        Assert.True(scenes[id] > 0 && fraction[id] > 0, $"class {TrainIds.Names[id]} never appears in {Count} scenes");
    }

    [Fact]
    public void RoadAndSkyDominate()
    {
        var f = Corpus.Value.fraction;
        var ranked = Enumerable.Range(0, TrainIds.Count).OrderByDescending(c => f[c]).ToArray();
        Assert.Equal(TrainIds.Road, ranked[0]);
        Assert.Contains(TrainIds.Sky, ranked.Take(3));
        Assert.InRange(f[TrainIds.Road], 0.2, 0.5);
        Assert.InRange(f[TrainIds.Sky], 0.08, 0.4);
    }

    [Fact]
    public void PeopleAreRareButPresent()
    {
        var (f, scenes) = Corpus.Value;
        Assert.InRange(f[TrainIds.Person], 0.0005, 0.03);
        Assert.InRange(f[TrainIds.Rider], 0.00002, 0.01);
        Assert.True(scenes[TrainIds.Person] > Count / 4, $"persons in only {scenes[TrainIds.Person]} of {Count} scenes");
    }

    [Fact]
    public void NoIgnoreLabels() => Assert.DoesNotContain(Corpus.Value.fraction.Skip(TrainIds.Count), f => f > 0);
}
