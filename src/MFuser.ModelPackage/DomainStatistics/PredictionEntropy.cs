namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>
/// Per-pixel uncertainty from the only probability the model contract provides: the confidence byte
/// q = round(255·p), p = max softmax probability. The full distribution is not available, so the entropy is bounded
/// from p alone: among all C-class distributions whose largest probability is p, the one with the remaining mass
/// spread evenly over the other C − 1 classes has the highest entropy,
/// <code>H(p) = −p·ln p − (1 − p)·ln((1 − p)/(C − 1))</code>
/// and <see cref="Normalized"/> divides it by ln C, so 0 = certain (p = 1) and 1 = uniform (p = 1/C). It is the exact
/// entropy when the runner-up classes are equally likely and an upper bound otherwise; it falls monotonically as p
/// rises, unlike the binary entropy of p. Values of p below 1/C (impossible for a true max, possible after rounding)
/// are clamped to 1/C.
/// </summary>
public static class PredictionEntropy
{
    /// <summary>H(p)/ln C for p = <paramref name="maxProbability"/> and <paramref name="classCount"/> ≥ 2 classes.</summary>
    public static double Normalized(double maxProbability, int classCount)
    {
        if (classCount < 2)
            throw new ArgumentOutOfRangeException(nameof(classCount), $"need at least 2 classes, got {classCount}");
        var p = Math.Clamp(maxProbability, 1.0 / classCount, 1.0);
        var h = -p * Math.Log(p);
        if (p < 1)
            h -= (1 - p) * Math.Log((1 - p) / (classCount - 1));
        return h / Math.Log(classCount);
    }

    /// <summary>The 256-entry table of <see cref="Normalized"/> for confidence bytes q (p = q/255).</summary>
    public static double[] Table(int classCount)
    {
        var table = new double[256];
        for (var q = 0; q < 256; q++)
            table[q] = Normalized(q / 255.0, classCount);
        return table;
    }

    /// <summary>Mean confidence (p = q/255) and mean <see cref="Normalized"/> entropy of <paramref name="pixels"/> pixels
    /// whose confidence bytes are counted in <paramref name="histogram"/> (256 bins); <paramref name="entropyTable"/> is
    /// <see cref="Table"/>. The daemon's drivable summary and the package's source-domain statistics both use it.</summary>
    public static (double ConfidenceMean, double EntropyMean) Means(ReadOnlySpan<long> histogram, ReadOnlySpan<double> entropyTable, long pixels)
    {
        double confidenceSum = 0, entropySum = 0;
        for (var q = 0; q < 256; q++)
        {
            confidenceSum += (double)q * histogram[q];
            entropySum += entropyTable[q] * histogram[q];
        }
        return (confidenceSum / (255.0 * pixels), entropySum / pixels);
    }

    /// <summary><see cref="Means(ReadOnlySpan{long}, ReadOnlySpan{double}, long)"/> of a whole confidence map.</summary>
    public static (double ConfidenceMean, double EntropyMean) Means(ReadOnlySpan<byte> confidence, int classCount)
    {
        Span<long> histogram = stackalloc long[256];
        foreach (var q in confidence)
            histogram[q]++;
        return Means(histogram, Table(classCount), confidence.Length);
    }
}
