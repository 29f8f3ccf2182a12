using System.Diagnostics;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Export;
using MFuser.Onnx.Scan;
using MFuser.Scenes;
using MFuser.Training.Model;
using MFuser.Training.Learning;
using TorchSharp;
using TorchSharp.PyBridge;

namespace MFuser.Training.Packaging;

/// <summary>What <c>mfuser-train export</c> builds.</summary>
public sealed record PackageRequest
{
    public required ExportSource Source { get; init; }
    public required string OutputDirectory { get; init; }
    public required string Name { get; init; }
    public string Version { get; init; } = "0.1.0";
    public bool IncludeLogits { get; init; } = true;
    /// <summary>One <c>model.weights</c> file shared by the three ONNX variants (ONNX external data) instead of a copy
    /// inlined in each; the manifest names it with its SHA-256.</summary>
    public bool SharedWeights { get; init; } = true;
    /// <summary>Held-out source frames for the domain statistics; 0 writes none.</summary>
    public int StatsFrames { get; init; } = 64;
    /// <summary>Held-out frames per domain for a fresh evaluation (TorchSharp, the checkpoint); 0: <see cref="EvalFile"/> or none.</summary>
    public int EvalFrames { get; init; }
    /// <summary>An eval.json to take the mIoU table from (default <c>&lt;run&gt;/eval/eval.json</c> when present).</summary>
    public string? EvalFile { get; init; }
    /// <summary>libmfuser_ops.so for running model.onnx; null runs the statistics on model.portable.onnx.</summary>
    public string? OpsLibrary { get; init; }
    public int Threads { get; init; }
    /// <summary>The command that produced the package, for the model card.</summary>
    public string CommandLine { get; init; } = "";
}

/// <summary>
/// Builds a model package: <see cref="ModelPackageExporter"/> writes the ONNX variants and the manifest skeleton;
/// then the source-domain statistics (<see cref="SourceDomainStatistics"/>), the mIoU table, the manifest's training
/// fields and MODEL_CARD.md are added, and the manifest is checked with the daemon's own <see cref="ManifestReader"/>.
/// </summary>
public static class PackageBuilder
{
    public static void Build(PackageRequest request, Action<string> progress)
    {
        var clock = Stopwatch.StartNew();
        void Say(string m) => progress($"[{clock.Elapsed.TotalSeconds,6:F1}s] {m}");
        var source = request.Source;
        var cfg = source.Config;
        Say($"exporting {cfg.Name} from {source.Provenance} into {request.OutputDirectory}");
        ExportResult export;
        var (weights, handle) = source.Open();
        using (handle)
            export = ModelPackageExporter.Export(cfg, weights, new ExportOptions
            {
                OutputDirectory = request.OutputDirectory, ModelName = request.Name, Version = request.Version,
                IncludeLogits = request.IncludeLogits, Provenance = source.Provenance, Progress = m => progress("  " + m),
                ExternalDataThresholdBytes = request.SharedWeights ? 0 : ExportOptions.DefaultExternalDataThresholdBytes,
            });

        DomainReference? reference = null;
        if (request.StatsFrames > 0)
        {
            var variant = request.OpsLibrary is not null ? ScanVariant.Fused : ScanVariant.Portable;
            Say($"measuring source-domain statistics on {request.StatsFrames} frames with {variant.FileName()} in ONNX Runtime");
            reference = SourceDomainStatistics.Measure(export.Models[variant], request.OpsLibrary, cfg, request.StatsFrames, request.Threads, Say);
            DomainReferenceFile.Save(reference, Path.Combine(request.OutputDirectory, SourceDomainStatistics.FileName));
        }

        using var model = LoadCheckpoint(source, request.Threads);
        var parity = model is null ? null : CheckParity(model, export, request, Say);
        var eval = Evaluation(model, request, Say);
        var miou = new Dictionary<string, double>();
        if (eval is not null)
            foreach (var d in eval.Report.Domains.Where(d => double.IsFinite(d.MeanIoU)))
                miou[d.Domain] = Math.Round(d.MeanIoU, 4);
        var exported = ManifestReader.ReadPackage(request.OutputDirectory);
        ManifestWriter.WritePackage(request.OutputDirectory, exported with
        {
            Training = new TrainingInfo(source.Provenance, miou),
            DomainStatistics = reference is null ? null : SourceDomainStatistics.FileName,
        });
        var manifest = ManifestReader.ReadPackage(request.OutputDirectory);

        var card = ModelCard.Write(new ModelCardInput(request, manifest, export, reference, eval, parity));
        File.WriteAllText(Path.Combine(request.OutputDirectory, ModelCard.FileName), card);
        var bytes = Directory.GetFiles(request.OutputDirectory).Sum(f => new FileInfo(f).Length);
        Say($"package {request.OutputDirectory} complete: {manifest.Name} {manifest.Version}, {bytes / 1e6:F1} MB, " +
            $"mIoU {(eval is null ? "not evaluated" : string.Join(", ", miou.Select(kv => $"{kv.Key} {100 * kv.Value:F1}")))}");
    }

    private static MFuserModel? LoadCheckpoint(ExportSource source, int threads)
    {
        if (source.Checkpoint is null) return null;
        if (threads > 0) torch.set_num_threads(threads);
        var model = new MFuserModel(source.Config);
        model.load_safetensors(source.Checkpoint, strict: true);
        model.eval();
        return model;
    }

    /// <summary>Held-out frames (clear, night, fog) through the checkpoint in TorchSharp and through the exported graph
    /// that the daemon runs (model.onnx with the operator library, else model.portable.onnx) in ONNX Runtime.</summary>
    private static ParityResult CheckParity(MFuserModel model, ExportResult export, PackageRequest request, Action<string> say)
    {
        var cfg = request.Source.Config;
        var variant = request.OpsLibrary is not null ? ScanVariant.Fused : ScanVariant.Portable;
        using var options = new Microsoft.ML.OnnxRuntime.SessionOptions { IntraOpNumThreads = Math.Max(request.Threads, 1) };
        if (request.OpsLibrary is not null) options.RegisterCustomOpLibrary(request.OpsLibrary);
        using var session = new Microsoft.ML.OnnxRuntime.InferenceSession(export.Models[variant], options);
        var renderer = new SceneRenderer();
        var labels = new byte[cfg.ImageHeight * cfg.ImageWidth];
        var frames = new[] { Domain.Clear, Domain.Clear, Domain.Night, Domain.Fog }.Select((domain, i) =>
        {
            var bgr = new byte[cfg.ImageHeight * cfg.ImageWidth * 3];
            renderer.Render(SceneData.HeldOutSeedBase + 500 + i, domain, cfg.ImageWidth, cfg.ImageHeight, bgr, labels);
            return bgr;
        });
        var result = ExportParity.Measure(model, cfg, session, frames);
        say($"parity of {variant.FileName()} with the checkpoint in TorchSharp: {result}");
        return result with { Variant = variant.FileName() };
    }

    /// <summary>The mIoU table: evaluated now (TorchSharp on the checkpoint) or read from an eval.json.</summary>
    private static EvalSource? Evaluation(MFuserModel? model, PackageRequest request, Action<string> say)
    {
        var source = request.Source;
        if (request.EvalFrames > 0)
        {
            if (model is null)
                throw new ArgumentException("--eval-frames needs trained weights (--run); random weights are not evaluated");
            var data = new SceneData(new RendererSource(), source.Config);
            var results = new List<DomainResult>();
            foreach (var domain in Domains.All)
            {
                var r = Evaluator.Evaluate(model, data, domain, request.EvalFrames, batchSize: 4);
                say($"eval {r.Domain}: mIoU {100 * r.MeanIoU:F1} ({request.EvalFrames} held-out frames)");
                results.Add(r);
            }
            var report = new EvalReport(source.Config.Name, request.EvalFrames, results);
            File.WriteAllText(Path.Combine(request.OutputDirectory, "eval.json"), Evaluator.ToJson([report]));
            return new EvalSource(report, $"evaluated at export on {request.EvalFrames} held-out frames per domain (eval.json)");
        }
        var file = request.EvalFile ?? (source.RunDirectory is { } run && File.Exists(Path.Combine(run, "eval", "eval.json"))
            ? Path.Combine(run, "eval", "eval.json") : null);
        if (file is null) return null;
        var reports = Evaluator.FromJson(File.ReadAllText(file), file);
        var match = reports.FirstOrDefault(r => r.Model == source.Config.Name)
                    ?? throw new FormatException($"{file}: no report for model '{source.Config.Name}' " +
                                                 $"(has {string.Join(", ", reports.Select(r => r.Model))})");
        say($"mIoU table from {file}");
        return new EvalSource(match, $"from {file} ({match.Frames} held-out frames per domain)");
    }
}

/// <summary>An evaluation report and where it came from.</summary>
public sealed record EvalSource(EvalReport Report, string Origin);
