using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.ModelPackage.Tests.DomainStatistics;

public class PredictionEntropyTests
{
    [Fact]
    public void Certain_is_zero_and_uniform_is_one()
    {
        Assert.Equal(0.0, PredictionEntropy.Normalized(1.0, 19), 12);
        Assert.Equal(1.0, PredictionEntropy.Normalized(1.0 / 19, 19), 12);
        Assert.Equal(1.0, PredictionEntropy.Normalized(0.0, 19), 12); // below 1/C: clamped
    }

    [Fact]
    public void Half_confidence_over_19_classes_matches_the_hand_computed_value()
    {
        // H = −0.5 ln 0.5 − 0.5 ln(0.5/18) = 0.346574 + 1.791759 = 2.138333; / ln 19 (2.944439) = 0.726228.
        Assert.Equal(0.726228, PredictionEntropy.Normalized(0.5, 19), 6);
        // Two classes: it is the binary entropy in bits.
        Assert.Equal(-(0.8 * Math.Log2(0.8) + 0.2 * Math.Log2(0.2)), PredictionEntropy.Normalized(0.8, 2), 12);
    }

    [Fact]
    public void Falls_monotonically_as_confidence_rises()
    {
        var table = PredictionEntropy.Table(19);
        for (var q = 14; q < 255; q++) // q/255 ≥ 1/19 from q = 14
            Assert.True(table[q + 1] < table[q], $"entropy at {q + 1} not below {q}");
    }
}
