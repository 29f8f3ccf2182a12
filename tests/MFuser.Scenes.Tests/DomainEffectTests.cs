using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Scenes.Tests;

/// <summary>The domains move image statistics the way they claim to, measured over several scenes.</summary>
public class DomainEffectTests
{
    private const int W = 256, H = 128, Scenes = 8;
    private static readonly Lazy<Dictionary<Domain, (double mean, double contrast, double hf)>> Stats = new(Measure);

    private static Dictionary<Domain, (double, double, double)> Measure()
    {
        var r = new SceneRenderer();
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        var result = new Dictionary<Domain, (double, double, double)>();
        foreach (var domain in Domains.All)
        {
            double mean = 0, contrast = 0, hf = 0;
            for (var i = 0; i < Scenes; i++)
            {
                r.Render(SceneSeeds.Derive(5, i), domain, W, H, bgr, labels);
                var l = ImageStats.Luma(bgr);
                mean += ImageStats.Mean(l) / Scenes;
                contrast += ImageStats.LocalContrast(l, W, H) / Scenes;
                hf += ImageStats.HighFrequency(l, W, H) / Scenes;
            }
            result[domain] = (mean, contrast, hf);
        }
        return result;
    }

    [Fact]
    public void NightIsMuchDarker()
    {
        var (clear, night) = (Stats.Value[Domain.Clear].mean, Stats.Value[Domain.Night].mean);
        Assert.True(night < 0.4 * clear, $"night mean luma {night:F1} vs clear {clear:F1}");
    }

    [Fact]
    public void DuskAndRainAreDarkerSnowIsBrighter()
    {
        var s = Stats.Value;
        Assert.True(s[Domain.Dusk].mean < 0.85 * s[Domain.Clear].mean, $"dusk {s[Domain.Dusk].mean:F1} vs clear {s[Domain.Clear].mean:F1}");
        Assert.True(s[Domain.Rain].mean < 0.9 * s[Domain.Clear].mean, $"rain {s[Domain.Rain].mean:F1} vs clear {s[Domain.Clear].mean:F1}");
        Assert.True(s[Domain.Snow].mean > 1.1 * s[Domain.Clear].mean, $"snow {s[Domain.Snow].mean:F1} vs clear {s[Domain.Clear].mean:F1}");
    }

    [Fact]
    public void FogLowersContrast()
    {
        var (clear, fog) = (Stats.Value[Domain.Clear].contrast, Stats.Value[Domain.Fog].contrast);
        Assert.True(fog < 0.6 * clear, $"fog local contrast {fog:F1} vs clear {clear:F1}");
    }

    [Fact]
    public void OvercastLowersContrast()
    {
        var (clear, overcast) = (Stats.Value[Domain.Clear].contrast, Stats.Value[Domain.Overcast].contrast);
        Assert.True(overcast < 0.85 * clear, $"overcast local contrast {overcast:F1} vs clear {clear:F1}");
    }

    [Fact]
    public void SensorRaisesHighFrequencyNoise()
    {
        var (clear, sensor) = (Stats.Value[Domain.Clear].hf, Stats.Value[Domain.Sensor].hf);
        Assert.True(sensor > 2 * clear, $"sensor median |Laplacian| {sensor:F2} vs clear {clear:F2}");
    }

    [Fact]
    public void FogAttenuatesWithDepth()
    {
        // Depth-based fog: far pixels end up close to the fog colour, near pixels keep their own.
        var r = new SceneRenderer();
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        r.Render(3, Domain.Fog, W, H, bgr, labels);
        var depth = r.Depth.ToArray();
        var l = ImageStats.Luma(bgr);
        var far = Enumerable.Range(0, l.Length).Where(i => depth[i] > 120 && depth[i] < 1000).Select(i => (double)l[i]).ToArray();
        var near = Enumerable.Range(0, l.Length).Where(i => depth[i] < 10).Select(i => (double)l[i]).ToArray();
        Assert.NotEmpty(far);
        Assert.NotEmpty(near);
        double Spread(double[] v) { var m = v.Average(); return Math.Sqrt(v.Average(x => (x - m) * (x - m))); }
        Assert.True(Spread(far) < 0.5 * Spread(near), $"luma spread far {Spread(far):F1} vs near {Spread(near):F1}");
    }
}
