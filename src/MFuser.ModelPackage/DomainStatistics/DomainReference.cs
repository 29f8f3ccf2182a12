namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>Mean and standard deviation of one signal over in-domain frames, in the compared scale
/// (<see cref="ShiftSignals.ToComparedScale"/>).</summary>
public readonly record struct SignalReference(double Mean, double Std);

/// <summary>
/// What "in domain" looks like: per-signal mean/std and, optionally, the embedding's mean and precision. Comes from
/// the model package (training-domain statistics, <c>domain_statistics</c> in model.json), from a per-vehicle
/// baseline in <c>calibration/</c> recorded by <c>mfuser-edge calibrate-domain</c> (<see cref="DomainBaseline"/>),
/// or is learned by the monitor during its warm-up for the signals a file does not cover.
/// Serialised by <see cref="DomainReferenceFile"/>.
/// </summary>
public sealed class DomainReference
{
    private readonly SignalReference?[] _signals = new SignalReference?[ShiftSignals.Count];

    /// <summary>Where the statistics came from (free text: model name and dataset, or vehicle and date).</summary>
    public string Source { get; init; } = "";

    /// <summary>Frames the statistics were computed from.</summary>
    public long Count { get; init; }

    /// <summary>Embedding statistics; null when the reference has none.</summary>
    public EmbeddingReference? Embedding { get; init; }

    /// <summary>The reference of one signal, or null when this reference does not cover it.</summary>
    public SignalReference? this[ShiftSignal signal]
    {
        get => _signals[(int)signal];
        set => _signals[(int)signal] = value is { } v && (!double.IsFinite(v.Mean) || !double.IsFinite(v.Std) || v.Std < 0)
            ? throw new ArgumentException($"{signal.Name()}: mean {v.Mean} / std {v.Std} must be finite with std ≥ 0")
            : value;
    }
}
