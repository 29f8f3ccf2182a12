using System.Text.Json;
using MFuser.Onnx.Architecture;
using MFuser.Training.Model;
using TorchSharp;
using TorchSharp.PyBridge;

namespace MFuser.Training.Checkpoints;

/// <summary>A checkpoint on disk: step-<c>N</c>.safetensors (model state dict, official key names) + optimizer state.</summary>
public sealed record Checkpoint(long Step, string Path, string OptimizerPath);

/// <summary>
/// Checkpoints of one run folder: <c>step-000200.safetensors</c> (weights and buffers), <c>step-000200.optim</c>
/// (TorchSharp AdamW state, for resume), <c>config.json</c> (the architecture). Keeps the newest <see cref="Keep"/>.
/// </summary>
public sealed class CheckpointStore(string folder)
{
    public int Keep { get; init; } = 3;

    public IReadOnlyList<Checkpoint> All() =>
        Directory.Exists(folder)
            ? Directory.GetFiles(folder, "step-*.safetensors")
                .Select(p => (p, ok: long.TryParse(System.IO.Path.GetFileNameWithoutExtension(p)["step-".Length..], out var s), s))
                .Where(t => t.ok)
                .Select(t => new Checkpoint(t.s, t.p, System.IO.Path.ChangeExtension(t.p, ".optim")))
                .OrderBy(c => c.Step).ToList()
            : [];

    public Checkpoint? Latest() => All().LastOrDefault(c => File.Exists(c.OptimizerPath));

    public Checkpoint Save(long step, MFuserModel model, TorchSharp.Modules.OptimizerHelper optimizer, MFuserConfig cfg)
    {
        var path = System.IO.Path.Combine(folder, $"step-{step:D6}.safetensors");
        var c = new Checkpoint(step, path, System.IO.Path.ChangeExtension(path, ".optim"));
        model.save_safetensors(path);
        optimizer.save_state_dict(c.OptimizerPath);
        cfg.Save(System.IO.Path.Combine(folder, "config.json"));
        File.Copy(path, System.IO.Path.Combine(folder, "model.safetensors"), overwrite: true);
        foreach (var old in All().SkipLast(Keep))
        {
            File.Delete(old.Path);
            if (File.Exists(old.OptimizerPath)) File.Delete(old.OptimizerPath);
        }
        return c;
    }

    /// <summary>Restores model and optimizer; returns the step to continue from.</summary>
    public long Load(Checkpoint c, MFuserModel model, TorchSharp.Modules.OptimizerHelper optimizer)
    {
        model.load_safetensors(c.Path, strict: true);
        optimizer.load_state_dict(c.OptimizerPath);
        return c.Step;
    }

    /// <summary>Loads the config and weights of a run folder (or a .safetensors file next to its config.json).</summary>
    public static MFuserModel LoadModel(string runOrFile)
    {
        string file = Directory.Exists(runOrFile) ? System.IO.Path.Combine(runOrFile, "model.safetensors") : runOrFile;
        string cfgPath = System.IO.Path.Combine(System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(file))!, "config.json");
        if (!File.Exists(file)) throw new FileNotFoundException($"no weights at {file}");
        if (!File.Exists(cfgPath)) throw new FileNotFoundException($"no config.json next to {file}");
        var model = new MFuserModel(MFuserConfig.Load(cfgPath));
        model.load_safetensors(file, strict: true);
        return model;
    }
}
