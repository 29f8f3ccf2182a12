using System.Text;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.TestSupport;
using static MFuser.TestSupport.EmbeddingSamples;

namespace MFuser.ModelPackage.Tests.DomainStatistics;

/// <summary>The domain-reference statistics of the package contract: image statistics, the embedding reference, the
/// baseline accumulator and its file.</summary>
public sealed class DomainStatisticsTests
{
    [Fact]
    public void Image_statistics_of_flat_and_checkered_frames()
    {
        const int w = 64, h = 32;
        var stats = new ImageStatistics(w, h);
        var flat = Enumerable.Repeat((byte)128, w * h * 3).ToArray();
        var s = stats.Compute(flat);
        Assert.Equal(128 / 255.0, s.Brightness, 6); // (29 + 150 + 77)·128 >> 8 = 128
        Assert.Equal(0, s.Contrast, 6);
        Assert.Equal(0, s.Sharpness, 6);

        var checker = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                checker.AsSpan((y * w + x) * 3, 3).Fill((x + y) % 2 == 0 ? (byte)0 : (byte)255);
        var c = stats.Compute(checker);
        Assert.InRange(c.Contrast, 0.45, 0.5);
        Assert.True(c.Sharpness > 100_000, $"a pixel checkerboard is maximally sharp, got {c.Sharpness}");
        var e = Assert.Throws<ArgumentException>(() => stats.Compute(new byte[10]));
        Assert.Contains("64x32x3", e.Message);
    }

    [Fact]
    public void Mahalanobis_distance_matches_the_closed_form()
    {
        // Σ = diag(4, 1): the point (2, 0) is one standard deviation away → d² = 1, divided by E = 2.
        var r = EmbeddingReference.FromCovariance([0f, 0f], [4, 0, 0, 1], shrinkage: 0);
        Assert.Equal(Math.Sqrt(0.5), r.Distance([2f, 0f]), 5);
        Assert.Equal(Math.Sqrt(0.5), r.Distance([0f, 1f]), 5);

        // A correlated 3×3 covariance: P·Σ = I.
        double[] cov = [2, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1.5];
        var p = EmbeddingReference.FromCovariance([1f, 2f, 3f], cov, shrinkage: 0).Precision.ToArray();
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(i == j ? 1 : 0, Enumerable.Range(0, 3).Sum(k => p[i * 3 + k] * cov[k * 3 + j]), 4);

        var singular = Assert.Throws<ArgumentException>(() => EmbeddingReference.FromCovariance([0f, 0f], [1, 1, 1, 1], shrinkage: 0));
        Assert.Contains("positive definite", singular.Message);
        Assert.NotNull(EmbeddingReference.FromCovariance([0f, 0f], [1, 1, 1, 1], shrinkage: 0.1)); // shrinkage repairs it
    }

    [Fact]
    public void A_baseline_scores_in_domain_embeddings_near_one_and_shifted_ones_far_out()
    {
        var reference = Baseline();
        var distance = reference[ShiftSignal.EmbeddingDistance]!.Value;
        Assert.InRange(distance.Mean, 0.85, 1.2);
        var rng = new Random(99);
        var inDomain = Enumerable.Range(0, 200).Average(_ => reference.Embedding!.Distance(Gaussian(rng, 8, 0)));
        var shifted = Enumerable.Range(0, 200).Average(_ => reference.Embedding!.Distance(Gaussian(rng, 8, 3)));
        Assert.InRange(inDomain, 0.8, 1.2);
        Assert.True((shifted - distance.Mean) / distance.Std > 4, $"shifted {shifted:0.00} vs reference {distance.Mean:0.00} ± {distance.Std:0.00}");
        Assert.Equal(0.5, reference[ShiftSignal.Brightness]!.Value.Mean, 2);
        Assert.Equal(Math.Log10(901), reference[ShiftSignal.Sharpness]!.Value.Mean, 6); // compared on the log scale
    }

    [Fact]
    public void The_reference_file_round_trips_and_names_bad_keys()
    {
        var reference = Baseline();
        var path = Path.Combine(Path.GetTempPath(), $"mfuser-domain-{Guid.NewGuid():N}.json");
        try
        {
            DomainReferenceFile.Save(reference, path);
            var loaded = DomainReferenceFile.Load(path);
            Assert.Equal("unit test", loaded.Source);
            Assert.Equal(1500, loaded.Count);
            foreach (var signal in ShiftSignals.All)
                Assert.Equal(reference[signal]!.Value.Mean, loaded[signal]!.Value.Mean, 9);
            var probe = Gaussian(new Random(1), 8, 1);
            Assert.Equal(reference.Embedding!.Distance(probe), loaded.Embedding!.Distance(probe), 5);
        }
        finally
        {
            File.Delete(path);
        }

        static string Error(string json) =>
            Assert.Throws<FormatException>(() => DomainReferenceFile.Parse(Encoding.UTF8.GetBytes(json), "cal.json")).Message;
        Assert.Contains("$.format", Error("""{"format":"v0"}"""));
        Assert.Contains("$.embedding.precision: expected 4 numbers, found 3", Error("""{"format":"mfuser-domain-reference/1","embedding":{"mean":[0,0],"precision":[1,0,1]}}"""));
        Assert.Contains("$.signals.glare", Error("""{"format":"mfuser-domain-reference/1","signals":{"glare":{"mean":1,"std":1}}}"""));
        Assert.Contains("$.signals.brightness.std", Error("""{"format":"mfuser-domain-reference/1","signals":{"brightness":{"mean":1}}}"""));
        Assert.StartsWith("cal.json:", Error("not json"));
        // covariance instead of precision, with shrinkage
        var fromCov = DomainReferenceFile.Parse("""{"format":"mfuser-domain-reference/1","embedding":{"mean":[0,0],"covariance":[4,0,0,1],"shrinkage":0}}"""u8);
        Assert.Equal(Math.Sqrt(0.5), fromCov.Embedding!.Distance([2f, 0f]), 5);
    }

}
