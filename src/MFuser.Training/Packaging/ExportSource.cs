using System.Text.RegularExpressions;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Weights;

namespace MFuser.Training.Packaging;

/// <summary>Where the weights of an export come from: a checkpoint of a run folder (with its config.json and training
/// records) or seeded random weights of a preset.</summary>
public sealed partial record ExportSource(MFuserConfig Config, string? RunDirectory, string? Checkpoint, long? Step, int? RandomSeed)
{
    /// <summary>Resolves the command-line choice: <c>--run [--checkpoint]</c> or <c>--preset --random-weights</c>.</summary>
    /// <exception cref="ArgumentException">Neither or both were given, or a file is missing (named in the message).</exception>
    public static ExportSource Resolve(string? run, string? checkpoint, string? preset, int? randomSeed)
    {
        if (run is not null && randomSeed is not null)
            throw new ArgumentException("give either --run (trained weights) or --preset with --random-weights, not both");
        if (randomSeed is { } seed)
            return new ExportSource(MFuserPresets.Get(preset ?? throw new ArgumentException("--random-weights needs --preset")),
                null, null, null, seed);
        if (run is null)
            throw new ArgumentException("give --run <run folder> (optionally --checkpoint <file>) or --preset <name> --random-weights <seed>");
        if (!Directory.Exists(run))
            throw new ArgumentException($"--run {run}: no such folder");
        var configPath = Path.Combine(run, "config.json");
        if (!File.Exists(configPath))
            throw new ArgumentException($"--run {run}: no config.json (written by 'mfuser-train train' with the first checkpoint)");
        var config = MFuserConfig.Load(configPath);
        if (preset is not null && preset != config.Name && !config.Name.StartsWith(preset + "-", StringComparison.Ordinal)
            && !config.Name.StartsWith(preset + "+", StringComparison.Ordinal))
            throw new ArgumentException($"--preset {preset} does not match the run's config '{config.Name}' ({configPath})");
        var file = checkpoint ?? NewestCheckpoint(run);
        if (!File.Exists(file))
            throw new ArgumentException($"checkpoint {file} does not exist");
        return new ExportSource(config, run, file, StepOf(file), null);
    }

    /// <summary>The newest <c>step-NNNNNN.safetensors</c> of <paramref name="run"/>, else its <c>model.safetensors</c>.</summary>
    public static string NewestCheckpoint(string run)
    {
        var newest = Directory.GetFiles(run, "step-*.safetensors")
            .Select(p => (p, step: StepOf(p)))
            .Where(t => t.step is not null)
            .OrderBy(t => t.step)
            .LastOrDefault();
        return newest.p ?? Path.Combine(run, "model.safetensors");
    }

    /// <summary>The step of a <c>step-NNNNNN.safetensors</c> file name, else null.</summary>
    public static long? StepOf(string file) =>
        StepName().Match(Path.GetFileName(file)) is { Success: true } m ? long.Parse(m.Groups[1].Value) : null;

    /// <summary>Opens the weights (a text prior folded into <c>text_embeddings</c>); dispose the handle after the export.</summary>
    public (IWeightSource Weights, IDisposable? Handle) Open()
    {
        if (RandomSeed is { } seed)
            return (TextPrior.FoldedTextPrior.Wrap(Config, new RandomWeights(seed)), null);
        var file = new SafetensorsFile(Checkpoint!);
        return (TextPrior.FoldedTextPrior.Wrap(Config, new CheckpointWeights(file)), file);
    }

    /// <summary>One line for model.json's training.provenance and the ONNX metadata.</summary>
    public string Provenance => RandomSeed is { } s
        ? $"random weights (seed {s}) of preset {Config.Name}; untrained"
        : $"checkpoint {Checkpoint}{(Step is { } st ? $" (step {st})" : "")} of run {RunDirectory}";

    [GeneratedRegex(@"^step-(\d+)\.safetensors$")]
    private static partial Regex StepName();
}
