namespace MFuser.Onnx.Contract;

/// <summary>
/// Per-frame input alignment, a preset option (docs/training.md "Input alignment"): before the fixed normalisation,
/// each frame's per-channel mean and standard deviation (RGB, 0–255 units) are moved to the source domain's
/// (<see cref="Mean"/>, <see cref="Std"/>). A global change of exposure, gain, contrast or white balance — dusk, night,
/// an over-exposed sensor — then reaches the network much like a source-domain frame. The spread is floored smoothly,
/// σ = √(var + <see cref="Floor"/>²), so a flat frame is not amplified into noise. The graph computes it
/// (<see cref="ImagePreprocessing"/>); training and the parity check compute the same on the CPU
/// (<see cref="PixelNormalisation"/>).
/// </summary>
public sealed record InputAlignment
{
    /// <summary>Source-domain mean of the per-frame channel means (RGB, 0–255).</summary>
    public required double[] Mean { get; init; }
    /// <summary>Source-domain mean of the per-frame channel standard deviations (RGB, 0–255).</summary>
    public required double[] Std { get; init; }
    /// <summary>Smooth floor of a frame's channel spread (0–255 units).</summary>
    public double Floor { get; init; } = 4.0;

    /// <exception cref="ArgumentException">Not three channels, or a non-positive spread or floor.</exception>
    public InputAlignment Validate()
    {
        if (Mean is not { Length: 3 } || Std is not { Length: 3 })
            throw new ArgumentException($"input alignment needs 3 RGB means and stds, got {Mean?.Length ?? 0}/{Std?.Length ?? 0}");
        if (Std.Any(s => !(s > 0)) || !(Floor > 0))
            throw new ArgumentException($"input alignment std [{string.Join(", ", Std)}] and floor {Floor} must be positive");
        return this;
    }
}
