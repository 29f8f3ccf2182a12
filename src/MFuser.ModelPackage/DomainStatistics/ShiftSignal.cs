namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>The per-frame signals the domain-shift monitor compares with its reference.</summary>
public enum ShiftSignal
{
    /// <summary>Mean luma 0 … 1 (<see cref="ImageStats.Brightness"/>).</summary>
    Brightness,
    /// <summary>Luma standard deviation (<see cref="ImageStats.Contrast"/>).</summary>
    Contrast,
    /// <summary>log10(1 + variance of the Laplacian) (<see cref="ImageStats.Sharpness"/>, log-scaled because the
    /// variance spans orders of magnitude).</summary>
    Sharpness,
    /// <summary>Mean max-softmax probability of the segmentation (drivable summary's <c>confidence_mean</c>).</summary>
    ConfidenceMean,
    /// <summary>Mean normalised prediction entropy (drivable summary's <c>entropy_mean</c>).</summary>
    EntropyMean,
    /// <summary>Mahalanobis distance of the model's <c>embedding</c> to the reference, per dimension
    /// (<see cref="EmbeddingReference.Distance"/>).</summary>
    EmbeddingDistance,
}

/// <summary>Names, scales and noise floors of <see cref="ShiftSignal"/>.</summary>
public static class ShiftSignals
{
    /// <summary>Number of signals.</summary>
    public const int Count = 6;

    private static readonly string[] Names = ["brightness", "contrast", "sharpness", "confidence_mean", "entropy_mean", "embedding_distance"];

    /// <summary>Smallest standard deviation a reference may claim per signal (in the compared scale): a scene with
    /// almost no variation must not turn noise into a shift.</summary>
    private static readonly double[] StdFloors = [0.03, 0.02, 0.08, 0.02, 0.02, 0.05];

    /// <summary>Every signal in declaration order.</summary>
    public static IReadOnlyList<ShiftSignal> All { get; } = Enum.GetValues<ShiftSignal>();

    /// <summary>The JSON name, e.g. <c>confidence_mean</c>.</summary>
    public static string Name(this ShiftSignal signal) => Names[(int)signal];

    /// <summary>Parses a JSON name; false for an unknown one.</summary>
    public static bool TryParse(string name, out ShiftSignal signal)
    {
        var i = Array.IndexOf(Names, name);
        signal = (ShiftSignal)Math.Max(i, 0);
        return i >= 0;
    }

    /// <summary>The noise floor of the reference standard deviation.</summary>
    public static double StdFloor(this ShiftSignal signal) => StdFloors[(int)signal];

    /// <summary>The raw value mapped to the scale the monitor compares (log10(1+x) for sharpness, else unchanged).</summary>
    public static double ToComparedScale(this ShiftSignal signal, double raw) =>
        signal == ShiftSignal.Sharpness ? Math.Log10(1 + Math.Max(0, raw)) : raw;
}

/// <summary>
/// One frame's raw signal values, indexed by <see cref="ShiftSignal"/>; <see cref="double.NaN"/> marks a signal the
/// frame does not have (no model output yet, no embedding reference). A value type: building one allocates nothing.
/// </summary>
public struct DomainSignals
{
    private SignalValues _values;

    /// <summary>All signals absent.</summary>
    public DomainSignals() => ((Span<double>)_values).Fill(double.NaN);

    /// <summary>The image statistics plus the segmentation's confidence/entropy means (NaN when no model ran).</summary>
    public static DomainSignals From(in ImageStats image, double confidenceMean = double.NaN, double entropyMean = double.NaN)
    {
        var s = new DomainSignals
        {
            [ShiftSignal.Brightness] = image.Brightness,
            [ShiftSignal.Contrast] = image.Contrast,
            [ShiftSignal.Sharpness] = image.Sharpness,
            [ShiftSignal.ConfidenceMean] = confidenceMean,
            [ShiftSignal.EntropyMean] = entropyMean,
        };
        return s;
    }

    public double this[ShiftSignal signal]
    {
        readonly get => _values[(int)signal];
        set => _values[(int)signal] = value;
    }

    [System.Runtime.CompilerServices.InlineArray(ShiftSignals.Count)]
    private struct SignalValues
    {
        private double _first;
    }
}
