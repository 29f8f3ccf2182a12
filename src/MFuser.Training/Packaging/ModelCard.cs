using System.Globalization;
using System.Text;
using System.Text.Json;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Scenes;

namespace MFuser.Training.Packaging;

/// <summary>Everything the model card describes.</summary>
public sealed record ModelCardInput(PackageRequest Request, ModelManifest Manifest, ExportResult Export, DomainReference? Reference, EvalSource? Eval,
    ParityResult? Parity = null);

/// <summary>MODEL_CARD.md of a package: architecture, training data and steps (train_options.json, metrics.jsonl),
/// the mIoU-per-domain table, the domain statistics, the commands to reproduce it and known limits.</summary>
public static class ModelCard
{
    public const string FileName = "MODEL_CARD.md";

    public static string Write(ModelCardInput input)
    {
        var (request, manifest, export) = (input.Request, input.Manifest, input.Export);
        var cfg = request.Source.Config;
        var sb = new StringBuilder();
        sb.AppendLine($"# {manifest.Name} {manifest.Version}").AppendLine();
        sb.AppendLine(PackageManifest.Summary(cfg) + ".").AppendLine();

        sb.AppendLine("## Architecture").AppendLine();
        sb.AppendLine("| part | configuration |").AppendLine("|---|---|");
        sb.AppendLine($"| input | uint8 BGR NHWC 1×{cfg.ImageHeight}×{cfg.ImageWidth}×3, normalised inside the graph{Alignment(cfg)} |");
        if (cfg.Vfm is { } f) sb.AppendLine($"| VFM encoder (DINOv2-style) | width {f.Width}, depth {f.Depth}, {f.Heads} heads, " +
                                            $"patch {cfg.PatchSize} |");
        if (cfg.Vlm is { } v) sb.AppendLine($"| VLM encoder (EVA02-CLIP-style) | width {v.Width}, depth {v.Depth}, {v.Heads} heads, RoPE |");
        sb.AppendLine($"| fusion | {cfg.Fusion.Kind}, d_state {cfg.Fusion.DState}, d_conv {cfg.Fusion.DConv}, expand {cfg.Fusion.Expand}, at " +
                      $"layers {string.Join(", ", cfg.PyramidLayers)} |");
        sb.AppendLine($"| text queries / MTEnhancer | {TextQueries(cfg)}, width {cfg.ContextDecoder.Width}, {cfg.ContextDecoder.Layers} layer(s) |");
        sb.AppendLine($"| decoder | Mask2Former-style, {cfg.Decoder.TransformerLayers} layers, {cfg.Decoder.FeatChannels} " +
                      $"channels, {cfg.NumClasses} classes (Cityscapes train ids) |");
        sb.AppendLine($"| outputs | {string.Join(", ", manifest.Outputs)}; embedding {manifest.EmbeddingDim} floats |");
        sb.AppendLine($"| weights | {export.WeightBytes / 4:N0} fp32 values ({export.WeightBytes / 1e6:F1} MB) |").AppendLine();

        sb.AppendLine("## Training").AppendLine();
        if (request.Source.RandomSeed is { } seed)
            sb.AppendLine($"None: random weights (seed {seed}) for shape, size and timing work only; the predictions are meaningless.").AppendLine();
        else
            Training(sb, request.Source);

        sb.AppendLine("## Evaluation (mIoU per domain)").AppendLine();
        if (input.Eval is { } eval)
        {
            sb.AppendLine($"Held-out seeds (≥ 1 000 000 000, never seen in training), {eval.Origin}. Source domain: " +
                          $"`{Domains.Source.Name()}`.").AppendLine();
            sb.AppendLine("| domain | mIoU % |").AppendLine("|---|---:|");
            foreach (var d in eval.Report.Domains)
                sb.AppendLine($"| {d.Domain}{(d.Domain == Domains.Source.Name() ? " (source)" : "")} | {Pct(d.MeanIoU)} |");
            var targets = eval.Report.Domains.Where(d => d.Domain != Domains.Source.Name()
                && double.IsFinite(d.MeanIoU)).Select(d => d.MeanIoU).ToList();
            if (targets.Count > 0) sb.AppendLine($"| mean of unseen domains | {Pct(targets.Average())} |");
            sb.AppendLine();
        }
        else
            sb.AppendLine("Not evaluated for this package (`training.miou` in model.json is empty).").AppendLine();

        sb.AppendLine("## Export check").AppendLine();
        if (input.Parity is { } parity)
            sb.AppendLine($"`{parity.Variant}` in ONNX Runtime against the checkpoint in TorchSharp, on held-out synthetic frames " +
                          $"(clear ×2, night, fog) fed as the daemon feeds them: {parity}.").AppendLine();
        else
            sb.AppendLine("Not run (random weights: there is no checkpoint to compare with).").AppendLine();

        sb.AppendLine("## Domain statistics").AppendLine();
        if (input.Reference is { } reference)
        {
            sb.AppendLine($"`{SourceDomainStatistics.FileName}` ({DomainReferenceFile.Format}), the daemon's default in-domain reference for " +
                          $"the domain-shift monitor " +
                          $"when no per-vehicle `calibrate-domain` baseline exists: {reference.Source}.").AppendLine();
            sb.AppendLine("| signal | mean | std |").AppendLine("|---|---:|---:|");
            foreach (var s in ShiftSignals.All)
                if (reference[s] is { } r)
                    sb.AppendLine(FormattableString.Invariant($"| {s.Name()} | {r.Mean:0.0000} | {r.Std:0.0000} |"));
            sb.AppendLine();
        }
        else
            sb.AppendLine("None in this package; the daemon learns its reference during the monitor's warm-up.").AppendLine();

        sb.AppendLine("## Files").AppendLine();
        sb.AppendLine("| file | SHA-256 |").AppendLine("|---|---|");
        foreach (var (file, sha) in export.Sha256.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            sb.AppendLine($"| `{file}` | `{sha}` |");
        sb.AppendLine().AppendLine("`model.onnx` needs the fused selective-scan operator `libmfuser_ops.so` (`./build.sh native`); " +
                                   "`model.portable.onnx` runs on any ONNX runtime; `model.trt.onnx` is for a TensorRT build with the MFuser plugin" +
                                   (export.ExternalWeights is null ? "."
                                       : "; all three read their weights from the shared `model.weights` (ONNX external data): keep it " +
                                         "beside them.")).AppendLine();

        sb.AppendLine("## Reproduce").AppendLine();
        sb.AppendLine("```sh");
        sb.AppendLine("./build.sh native   # libmfuser_ops.so");
        if (request.Source.RunDirectory is { } run)
            foreach (var line in TrainCommands(run)) sb.AppendLine(line);
        sb.AppendLine(request.CommandLine);
        sb.AppendLine("mfuser-edge validate-model " + request.OutputDirectory);
        sb.AppendLine("```").AppendLine();
        if (request.Source.Step is { } step && request.Source.RunDirectory is { } r2 && ReadJson(Path.Combine(r2, "train_options.json")) is { } o2
            && o2.TryGetProperty("steps", out var total) && total.GetInt64() != step)
            sb.AppendLine($"The package is the checkpoint of step {step} of a {total.GetInt64()}-step schedule (the learning-rate schedule is that " +
                          $"of {total.GetInt64()} steps).").AppendLine();
        sb.AppendLine("Frame seeds and initialisation are a pure function of `--seed`; floating-point results can differ slightly across CPUs and " +
                      "thread counts.").AppendLine();

        sb.AppendLine("## Known limits").AppendLine();
        sb.AppendLine("- Trained only on the procedural synthetic drives of `MFuser.Scenes` (source domain `clear`), with randomly " +
                      "initialised encoders: " +
                      "a demonstration model for the runtime, not a road-scene segmenter for real cameras.");
        sb.AppendLine($"- Small capacity and resolution ({cfg.ImageHeight}×{cfg.ImageWidth}, patch {cfg.PatchSize}): thin classes (poles, signs, " +
                      $"people) are mostly missed.");
        sb.AppendLine("- The mIoU figures come from few held-out frames; treat differences of a few points as noise.");
        sb.AppendLine("- `model.trt.onnx` needs the TensorRT plugin, which is not verified by this export.");
        return sb.ToString();
    }

    private static void Training(StringBuilder sb, ExportSource source)
    {
        var run = source.RunDirectory!;
        sb.AppendLine($"Run `{run}`, checkpoint `{Path.GetFileName(source.Checkpoint)}`{(source.Step is { } s ? $" (step {s})" : "")}.");
        var options = ReadJson(Path.Combine(run, "train_options.json"));
        sb.AppendLine("Data: frames rendered on the fly by `MFuser.Scenes` in the source domain `clear` " +
                      $"(seeds below 1 000 000 000, {Pipeline(options)}), " +
                      "Cityscapes 19-class labels; no real images, no target-domain frames.").AppendLine();
        if (options is { } restart && InitFrom(restart) is { } init)
        {
            var first = InitRun(restart);
            sb.AppendLine($"Warm restart: the run started from `{init}`" +
                          (first is { } f ? $" (the final weights of a complete {Num(f, "steps")}-step schedule, seed {Num(f, "seed")}, " +
                                            $"lr {Num(f, "learning_rate")})" : "") +
                          " with a fresh optimizer and a complete schedule of its own; the commands of the whole chain are under " +
                          "\"Reproduce\".").AppendLine();
        }
        if (options is { } o)
        {
            sb.AppendLine("| option | value |").AppendLine("|---|---|");
            foreach (var p in o.EnumerateObject())
                sb.AppendLine($"| {p.Name} | {p.Value.GetRawText().Trim('"')} |");
            sb.AppendLine();
        }
        var metrics = Path.Combine(run, "metrics.jsonl");
        if (File.Exists(metrics))
        {
            var lines = File.ReadLines(metrics).Where(l => l.Length > 0).Select(l => JsonDocument.Parse(l).RootElement.Clone())
                .Where(e => source.Step is null || e.GetProperty("step").GetInt64() <= source.Step).ToList();
            if (lines.Count > 0)
            {
                var first = lines[0];
                var last = lines[^1];
                sb.AppendLine(
                    FormattableString.Invariant($"Loss {first.GetProperty("loss").GetDouble():F2} at step {first.GetProperty("step").GetInt64()} ") +
                    FormattableString.Invariant($"→ {last.GetProperty("loss").GetDouble():F2} at step {last.GetProperty("step").GetInt64()} ") +
                    FormattableString.Invariant(
                        $"(metrics.jsonl; {last.GetProperty("elapsed_seconds").GetDouble() / 60:F0} min of CPU training to that step)."));
                sb.AppendLine();
            }
        }
    }

    /// <summary>The <c>mfuser-train train</c> commands that produced a run folder (train_options.json), oldest first: a
    /// warm restart is preceded by the run it started from (and that run's own, and so on) while their folders are there.</summary>
    public static IReadOnlyList<string> TrainCommands(string runDirectory)
    {
        var commands = new List<string>();
        for (var o = ReadJson(Path.Combine(runDirectory, "train_options.json")); o is { } run && commands.Count < MaxRestartChain; o = InitRun(run))
            commands.Insert(0, TrainCommand(run));
        return commands;
    }

    /// <summary>Longest chain of warm restarts followed back (a guard against a chain that loops).</summary>
    private const int MaxRestartChain = 8;

    /// <summary>The <c>mfuser-train train</c> command line recorded in a run's train_options.json.</summary>
    private static string TrainCommand(JsonElement o) =>
        $"mfuser-train train --preset {Str(o, "preset")} --baseline {Str(o, "baseline")} --steps {Num(o, "steps")} --batch {Num(o, "batch_size")} " +
        $"--lr {Num(o, "learning_rate")} --weight-decay {Num(o, "weight_decay")} --seed {Num(o, "seed")} --threads {Num(o, "threads")} " +
        $"--checkpoint-every {Num(o, "checkpoint_every")}" +
        (o.TryGetProperty("freeze_encoders", out var fz) && fz.GetBoolean() ? " --freeze-encoders" : "") +
        $"{DataFlags(o)}{(InitFrom(o) is { } init ? $" --init-from {init}" : "")} --out {Str(o, "out")}";

    /// <summary>The weights file a warm-restarted run started from (train_options.json <c>init_from</c>), if any.</summary>
    private static string? InitFrom(JsonElement o) =>
        o.TryGetProperty("init_from", out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    /// <summary>The train_options.json of the run a warm restart started from, when it is still beside its weights.</summary>
    private static JsonElement? InitRun(JsonElement o) =>
        InitFrom(o) is { } init && Path.GetDirectoryName(init) is { } dir ? ReadJson(Path.Combine(dir, "train_options.json")) : null;

    /// <summary>Where T0 comes from, in words.</summary>
    private static string TextQueries(MFuserConfig cfg) => cfg.TextEmbeddings switch
    {
        TextEmbeddingSource.Projected => "T0 = trained projection of the all-MiniLM-L6-v2 embeddings of the raw class names (folded to a constant)",
        TextEmbeddingSource.Constant => "T0 = precomputed text-tower output (constant)",
        _ => "T0 learned from scratch",
    };

    /// <summary>The data pipeline of a run in words (runs older than the option trained with flips only).</summary>
    private static string Pipeline(JsonElement? o) => o is { } v && v.TryGetProperty("augment", out var a) && a.GetString() == "official"
        ? "official augmentation: random resize 0.5–2.0, random crop with cat_max_ratio 0.75, flip, photometric distortion, padding" +
          (v.TryGetProperty("rare_class_sampling", out var r) && r.GetBoolean() ? ", rare-class sampling" : "")
        : "horizontal flips";

    /// <summary>Train flags for the data pipeline and text prior, as recorded in train_options.json.</summary>
    private static string DataFlags(JsonElement o) =>
        (o.TryGetProperty("augment", out var a) ? $" --augment {a.GetString()}" : " --augment flip") +
        (o.TryGetProperty("rare_class_sampling", out var r) && !r.GetBoolean() ? " --no-rcs" : "") +
        (a.ValueKind == JsonValueKind.String && a.GetString() == "official" && o.TryGetProperty("rcs_pool", out var p)
            ? $" --rcs-pool {p.GetRawText()}" : "") +
        (o.TryGetProperty("text_prior", out var t) && t.GetString() != "none" ? $" --text-prior {t.GetString()}" : "") +
        (o.TryGetProperty("input_align", out var i) && i.GetString() != "none" ? $" --input-align {i.GetString()}" : "");

    /// <summary>The input alignment of the architecture row, in words.</summary>
    private static string Alignment(MFuserConfig cfg) => cfg.InputAlignment is { } a
        ? FormattableString.Invariant($"; each frame's channel mean/std first moved to the source domain's (RGB mean ") +
          FormattableString.Invariant($"{a.Mean[0]:F1}/{a.Mean[1]:F1}/{a.Mean[2]:F1}, ") +
          FormattableString.Invariant($"std {a.Std[0]:F1}/{a.Std[1]:F1}/{a.Std[2]:F1}, floor {a.Floor:F0})")
        : "";

    private static JsonElement? ReadJson(string path) => File.Exists(path) ? JsonDocument.Parse(File.ReadAllText(path)).RootElement.Clone() : null;
    private static string Str(JsonElement o, string key) => o.TryGetProperty(key, out var v) ? v.ToString() : "?";
    private static string Num(JsonElement o, string key) => o.TryGetProperty(key, out var v) ? v.GetRawText() : "?";
    private static string Pct(double v) => double.IsFinite(v) ? (100 * v).ToString("F1", CultureInfo.InvariantCulture) : "–";
}
