using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Tests;

public class DeterminismTests
{
    private const int W = 256, H = 128;

    private static (byte[] bgr, byte[] labels) Render(SceneRenderer r, int seed, Domain domain)
    {
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        r.Render(seed, domain, W, H, bgr, labels);
        return (bgr, labels);
    }

    [Theory]
    [InlineData(Domain.Clear)]
    [InlineData(Domain.Night)]
    [InlineData(Domain.Rain)]
    [InlineData(Domain.Snow)]
    [InlineData(Domain.Sensor)]
    public void SameSeedAndDomainGiveByteIdenticalOutput_AcrossInstancesAndInterleavedCalls(Domain domain)
    {
        var first = Render(new SceneRenderer(), 42, domain);
        var reused = new SceneRenderer();
        Render(reused, 7, Domain.Fog); // state left behind by another scene must not leak into the next
        var second = Render(reused, 42, domain);
        Assert.Equal(first.bgr, second.bgr);
        Assert.Equal(first.labels, second.labels);
    }

    [Fact]
    public void DifferentSeedsGiveDifferentScenes()
    {
        var r = new SceneRenderer();
        var a = Render(r, 1, Domain.Clear);
        var b = Render(r, 2, Domain.Clear);
        var differing = a.labels.Zip(b.labels).Count(p => p.First != p.Second);
        Assert.True(differing > W * H / 20, $"only {differing} label pixels differ between seeds 1 and 2");
    }

    [Fact]
    public void AppearanceDomainsShareTheLabelMap_MountDoesNot()
    {
        var r = new SceneRenderer();
        for (var seed = 10; seed < 14; seed++)
        {
            var source = Render(r, seed, Domain.Clear);
            foreach (var domain in Domains.All.Where(d => d != Domain.Clear))
            {
                var other = Render(r, seed, domain);
                if (domain.ChangesGeometry())
                    Assert.NotEqual(source.labels, other.labels);
                else
                {
                    Assert.Equal(source.labels, other.labels);
                    Assert.NotEqual(source.bgr, other.bgr);
                }
            }
        }
    }

    [Fact]
    public void ParallelRenderingWithIndependentInstancesMatchesSequential()
    {
        var seeds = Enumerable.Range(100, 8).ToArray();
        var sequential = seeds.Select(s => Render(new SceneRenderer(), s, Domain.Dusk)).ToArray();
        var parallel = new (byte[] bgr, byte[] labels)[seeds.Length];
        Parallel.For(0, seeds.Length, i => parallel[i] = Render(new SceneRenderer(), seeds[i], Domain.Dusk));
        for (var i = 0; i < seeds.Length; i++)
        {
            Assert.Equal(sequential[i].bgr, parallel[i].bgr);
            Assert.Equal(sequential[i].labels, parallel[i].labels);
        }
    }

    [Fact]
    public void WrongBufferSizesAreRejectedWithBothLengths()
    {
        var r = new SceneRenderer();
        var e = Assert.Throws<ArgumentException>(() => r.Render(1, Domain.Clear, W, H, new byte[10], new byte[W * H]));
        Assert.Contains("bgr", e.Message);
        Assert.Contains($"{W * H * 3}", e.Message);
        e = Assert.Throws<ArgumentException>(() => r.Render(1, Domain.Clear, W, H, new byte[W * H * 3], new byte[5]));
        Assert.Contains("labels", e.Message);
    }

    [Fact]
    public void OnlyKnownTrainIdsAreWritten()
    {
        var r = new SceneRenderer();
        for (var seed = 0; seed < 5; seed++)
            Assert.All(Render(r, seed, Domain.Clear).labels, l => Assert.True(l < TrainIds.Count, $"label {l}"));
    }
}
