using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Tests;

/// <summary>Over a corpus of 200 scenes every class the issue lists appears, with plausible frequencies.</summary>
public class ClassFrequencyTests
{
    private const int W = 256, H = 128, Count = 200;

    private static readonly Lazy<ClassStatistics> Corpus = new(() =>
    {
        var r = new SceneRenderer();
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        var stats = new ClassStatistics();
        for (var i = 0; i < Count; i++)
        {
            r.Render(SceneSeeds.Derive(1, i), Domain.Clear, W, H, bgr, labels);
            stats.Add(labels);
        }
        return stats;
    });

    public static TheoryData<byte> ListedClasses() => new(
        TrainIds.Road, TrainIds.Sidewalk, TrainIds.Building, TrainIds.Wall, TrainIds.Fence, TrainIds.Pole,
        TrainIds.TrafficLight, TrainIds.TrafficSign, TrainIds.Vegetation, TrainIds.Terrain, TrainIds.Sky,
        TrainIds.Person, TrainIds.Rider, TrainIds.Car, TrainIds.Truck, TrainIds.Bus, TrainIds.Train,
        TrainIds.Motorcycle, TrainIds.Bicycle);

    [Theory]
    [MemberData(nameof(ListedClasses))]
    public void EveryClassAppears(byte id)
    {
        Assert.True(Corpus.Value.MapsWith(id) > 0, $"class {TrainIds.Names[id]} never appears in {Count} scenes");
    }

    [Fact]
    public void RoadAndSkyDominate()
    {
        var s = Corpus.Value;
        var ranked = Enumerable.Range(0, TrainIds.Count).OrderByDescending(s.Fraction).ToArray();
        Assert.Equal(TrainIds.Road, ranked[0]);
        Assert.Contains(TrainIds.Sky, ranked.Take(3));
        Assert.InRange(s.Fraction(TrainIds.Road), 0.2, 0.5);
        Assert.InRange(s.Fraction(TrainIds.Sky), 0.08, 0.4);
    }

    [Fact]
    public void PeopleAreRareButPresent()
    {
        var s = Corpus.Value;
        Assert.InRange(s.Fraction(TrainIds.Person), 0.0005, 0.03);
        Assert.InRange(s.Fraction(TrainIds.Rider), 0.00002, 0.01);
        Assert.True(s.MapsWith(TrainIds.Person) > Count / 4, $"persons in only {s.MapsWith(TrainIds.Person)} of {Count} scenes");
    }

    [Fact]
    public void NoLabelOutsideTheClassTable() =>
        Assert.All(Enumerable.Range(TrainIds.Count, 256 - TrainIds.Count), id => Assert.Equal(0, Corpus.Value.MapsWith(id)));
}
