namespace MFuser.Training.Augmentation;

/// <summary>
/// The official training pipeline on one rendered frame, in mmseg's order: random resize (ratio 0.5–2.0 of the
/// rendered size) → random crop to the model input with cat_max_ratio 0.75 → horizontal flip (p 0.5) →
/// PhotoMetricDistortion → pad to the model input (CLIP-mean colour, label 255). Normalisation happens when the
/// frames become tensors. Every random choice comes from the caller's <see cref="Random"/>, so it is reproducible.
/// </summary>
public sealed record TrainPipeline(int Width, int Height)
{
    public RandomResize Resize { get; init; } = new();
    public RandomCrop Crop => new(Width, Height);
    public RandomFlip Flip { get; init; } = new();
    public PhotoMetricDistortion Photometric { get; init; } = new();
    /// <summary>Pad colour (BGR) = the CLIP mean (RGB 122.771, 116.746, 104.094) rounded: ~0 after normalisation.</summary>
    public Pad Padding => new(Width, Height, 104, 117, 123);

    public Frame Apply(Frame source, Random rng)
    {
        var f = Resize.Apply(source, rng);
        f = Crop.Apply(f, rng);
        f = Flip.Apply(f, rng);
        f = Photometric.Apply(f, rng);
        return Padding.Apply(f);
    }
}
