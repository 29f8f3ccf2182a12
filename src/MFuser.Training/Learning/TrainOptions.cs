namespace MFuser.Training.Learning;

/// <summary>Options of one training run (the architecture comes from the preset, see MFuserPresets).</summary>
public sealed record TrainOptions
{
    public string Preset { get; init; } = "tiny";
    public string Baseline { get; init; } = "mfuser";
    public int Steps { get; init; } = 2000;
    public int BatchSize { get; init; } = 4;
    public double LearningRate { get; init; } = 6e-4;
    public double MinLearningRate { get; init; } = 1e-6;
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Linear warm-up length; 0 = 5% of the steps.</summary>
    public int WarmupSteps { get; init; }
    public double WarmupRatio { get; init; } = 1e-3;
    public double PolyPower { get; init; } = 0.9;
    /// <summary>Gradient-norm clip (the official recipe has none; from-scratch training on small batches needs one).</summary>
    public double GradClip { get; init; } = 1.0;
    public bool FreezeEncoders { get; init; }
    public int Seed { get; init; } = 2023;
    public int CheckpointEvery { get; init; } = 200;
    public int LogEvery { get; init; } = 10;
    public int Threads { get; init; }
    public string Out { get; init; } = "runs/tiny";
    /// <summary>Training data pipeline: <c>flip</c> (horizontal flips only) or <c>official</c> (resize, crop, flip,
    /// photometric distortion, padding; see MFuser.Training.Augmentation).</summary>
    public string Augment { get; init; } = "flip";
    /// <summary>Rare-class sampling with the <c>official</c> pipeline.</summary>
    public bool RareClassSampling { get; init; } = true;
    /// <summary>Source frames whose class statistics the rare-class sampler draws from.</summary>
    public int RcsPool { get; init; } = 4096;
    /// <summary>Class-query text prior: <c>none</c> (learned T0) or <c>minilm</c> (pretrained table + trainable projection).</summary>
    public string TextPrior { get; init; } = "none";
    /// <summary>Per-frame input alignment: <c>none</c>, or <c>source</c> (to the source domain's statistics; <see cref="SourceAlignment"/>).</summary>
    public string InputAlign { get; init; } = "none";
    /// <summary>Weights (.safetensors of the same architecture) a fresh run starts from instead of random
    /// initialisation: a warm restart with a new optimizer and a full schedule of its own. Ignored on resume.</summary>
    public string? InitFrom { get; init; }
    /// <summary>Architecture to use instead of the preset (tests, experiments); saved to config.json like a preset.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public MFuser.Onnx.Architecture.MFuserConfig? ConfigOverride { get; init; }

    public int EffectiveWarmup => WarmupSteps > 0 ? WarmupSteps : Math.Max(1, Steps / 20);
}

/// <summary>AdamW schedule of the official recipe: linear warm-up from ratio·lr, then poly decay to min_lr.</summary>
public static class PolySchedule
{
    public static double At(long step, TrainOptions o)
    {
        double poly = (o.LearningRate - o.MinLearningRate) * Math.Pow(1 - Math.Min(step, o.Steps) / (double)o.Steps, o.PolyPower) + o.MinLearningRate;
        int warm = o.EffectiveWarmup;
        if (step >= warm) return poly;
        double k = (1 - (double)step / warm) * (1 - o.WarmupRatio);
        return poly * (1 - k);
    }
}
