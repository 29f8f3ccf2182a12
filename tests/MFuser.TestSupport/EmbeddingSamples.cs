using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.TestSupport;

/// <summary>Synthetic in-domain embeddings and a reference built from them, for the domain-statistics and
/// domain-shift-monitor tests.</summary>
public static class EmbeddingSamples
{
    /// <summary>One Gaussian embedding of <paramref name="e"/> dimensions (per-dimension scale 1-3), moved by
    /// <paramref name="shift"/> in every dimension.</summary>
    public static float[] Gaussian(Random rng, int e, float shift)
    {
        var v = new float[e];
        for (var i = 0; i < e; i++)
            v[i] = shift + (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())) * (1 + i % 3);
        return v;
    }

    /// <summary>A reference of <paramref name="frames"/> steady in-domain frames with <see cref="Gaussian"/> embeddings.</summary>
    public static DomainReference Baseline(int frames = 1500, int e = 8)
    {
        var rng = new Random(5);
        var baseline = new DomainBaseline(maxFrames: frames);
        for (var i = 0; i < frames; i++)
            baseline.Add(DomainSignals.From(new ImageStats(0.5 + 0.01 * Math.Sin(i), 0.2, 900), 0.9, 0.1), Gaussian(rng, e, 0));
        if (!baseline.IsFull)
            throw new InvalidOperationException("the baseline did not fill");
        return baseline.Build("unit test");
    }
}
