using System.CommandLine;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Weights;
using MFuser.Training.Packaging;

namespace MFuser.Training.Cli;

/// <summary><c>mfuser-train export</c>: a complete model package from a run folder (its newest checkpoint, or one
/// named) or from seeded random weights: the three ONNX variants, the source-domain statistics measured with the
/// exported model in ONNX Runtime, model.json with provenance and mIoU table, and MODEL_CARD.md.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var run = new Option<string?>("--run") { Description = "run folder (config.json, train_options.json, metrics.jsonl, checkpoints)" };
        var checkpoint = new Option<string?>("--checkpoint") { Description = "weights file (default: the run's newest step-NNNNNN.safetensors, " +
                                                                             "else model.safetensors)" };
        var preset = new Option<string?>("--preset") { Description = "tiny | small | paper-l (with --random-weights, instead of --run)" };
        var random = new Option<int?>("--random-weights") { Description = "export seeded random weights of --preset" };
        var outDir = new Option<string>("--out") { Description = "package folder to write", Required = true };
        var name = new Option<string?>("--name") { Description = "package name (default: mfuser-<preset>)" };
        var version = new Option<string>("--version") { DefaultValueFactory = _ => "0.1.0" };
        var noLogits = new Option<bool>("--no-logits") { Description = "omit the optional 'logits' output" };
        var statsFrames = new Option<int>("--stats-frames") { Description = "held-out source-domain frames for the domain statistics (0: none)",
            DefaultValueFactory = _ => 64 };
        var evalFrames = new Option<int>("--eval-frames") { Description = "held-out frames per domain for the model card's mIoU table (0: use " +
                                                                          "<run>/eval/eval.json or --eval if present)",
            DefaultValueFactory = _ => 0 };
        var evalFile = new Option<string?>("--eval") { Description = "an eval.json written by 'mfuser-train eval' to take the mIoU table from" };
        var opsLibrary = new Option<string?>("--ops-library") { Description = $"libmfuser_ops.so for the fused model (default: " +
                                                                              $"${OpsLibrary.EnvironmentVariable} or native/selective_scan/build/ " +
                                                                              $"above the working directory)" };
        var threads = new Option<int>("--threads") { Description = "torch and ORT threads (0 = default)" };
        var inlineWeights = new Option<bool>("--inline-weights") { Description = "inline the weights in each ONNX variant instead of one shared " +
                                                                                 "model.weights file (up to 1 GiB)" };
        var cmd = new Command("export", "write a model package (ONNX variants, domain statistics, model.json, MODEL_CARD.md)")
            { run, checkpoint, preset, random, outDir, name, version, noLogits, statsFrames, evalFrames, evalFile, opsLibrary,
                threads, inlineWeights };
        cmd.SetAction(r =>
        {
            var source = ExportSource.Resolve(r.GetValue(run), r.GetValue(checkpoint), r.GetValue(preset), r.GetValue(random));
            var request = new PackageRequest
            {
                Source = source,
                OutputDirectory = r.GetValue(outDir)!,
                Name = r.GetValue(name) ?? $"mfuser-{source.Config.Name}",
                Version = r.GetValue(version)!,
                IncludeLogits = !r.GetValue(noLogits),
                SharedWeights = !r.GetValue(inlineWeights),
                StatsFrames = r.GetValue(statsFrames),
                EvalFrames = r.GetValue(evalFrames),
                EvalFile = r.GetValue(evalFile),
                OpsLibrary = OpsLibrary.Find(r.GetValue(opsLibrary)),
                Threads = r.GetValue(threads),
                CommandLine = "mfuser-train " + string.Join(' ', Environment.GetCommandLineArgs().Skip(1)),
            };
            PackageBuilder.Build(request, Console.Error.WriteLine);
            return 0;
        });
        return cmd;
    }
}
