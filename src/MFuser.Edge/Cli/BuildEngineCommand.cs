using System.CommandLine;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Startup;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge build-engine [model]</c>: builds the TensorRT engine of a model package ahead of time (creates
/// the TensorRT session with the configured <c>inference.tensorrt.*</c> options, runs one inference), so the daemon's
/// start finds it in the cache. TensorRT gives no progress callback through ONNX Runtime, so an elapsed-time ticker
/// runs on stderr. Without the TensorRT execution provider in this ONNX Runtime build it fails at once with exit code 5
/// (<see cref="ExitCodes.NoExecutionProvider"/>), as it does when the TensorRT session cannot be created: it never falls
/// back to another provider. Only that failure path runs on this project's CPU-only machines.</summary>
internal static class BuildEngineCommand
{
    public static Command Create(CommonOptions common)
    {
        var model = new Argument<string?>("model") { Description = "Model package directory (default: model.path)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("build-engine", "Build and cache the TensorRT engine of a model package ahead of time");
        command.Arguments.Add(model);
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var config = common.Load(parse);
            RequireTensorRt();
            var path = PackageDirectory.Resolve(parse.GetValue(model) ?? config.ModelPath);
            var manifest = ManifestReader.ReadPackage(path);
            Console.WriteLine($"building the TensorRT engine of {manifest.Name} {manifest.Version} ({path}), "
                + $"{(config.Inference.TensorRt.Fp16 ? "fp16" : "fp32")}"
                + $"{(config.Inference.TensorRt.DlaCore >= 0 ? $", DLA core {config.Inference.TensorRt.DlaCore}" : "")}");
            Console.Error.WriteLine("TensorRT reports no build progress through ONNX Runtime; the elapsed time is shown instead.");
            var started = DateTime.UtcNow;
            ModelStack stack;
            using (new Heartbeat(Console.IsErrorRedirected ? TimeSpan.FromSeconds(15) : TimeSpan.FromSeconds(1), ShowElapsed))
                stack = ModelStack.Open(config, line => Console.WriteLine($"  {line}"), packagePath: path, providers: ["tensorrt"], warmUpRuns: 1);
            var (session, warmup) = (stack.Session, stack.WarmUp);
            using (stack)
            {
                if (!Console.IsErrorRedirected)
                    Console.Error.WriteLine();
                var cache = session.EngineCache!;
                Console.WriteLine($"engine cache    {cache.Directory}");
                Console.WriteLine($"cache key       {cache.Key.Key} " +
                                  $"(inputs: {string.Join(", ", cache.Key.Inputs.Select(i => $"{i.Name}={i.Value}"))})");
                Console.WriteLine($"plugin library  {cache.PluginLibrary ?? "none"}");
                foreach (var file in cache.Files())
                    Console.WriteLine($"  {(file.LastWriteTimeUtc >= started ? "written" : "kept   ")}  {file.Length,12:N0} B  {file.FullName}");
                foreach (var line in session.Placement?.Lines() ?? [])
                    Console.WriteLine($"placement       {line}");
                if (session.Placement is { } p && p.Providers.Keys.Any(k => k != "tensorrt"))
                    Console.WriteLine("note            some nodes run outside TensorRT (see placement); they are not part of the engine");
                Console.WriteLine($"first inference {warmup.TotalMilliseconds:F1} ms; total {ModelRuntime.Elapsed(DateTime.UtcNow - started)}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Fails fast, before the package is read, when ONNX Runtime has no TensorRT provider.</summary>
    private static void RequireTensorRt()
    {
        var available = OrtEnv.Instance().GetAvailableProviders();
        if (!available.Contains("TensorrtExecutionProvider"))
            throw new ProviderUnavailableException(
                $"build-engine needs ONNX Runtime's TensorRT execution provider, which this build does not have " +
                $"(available: {string.Join(", ", available)}). "
                + "Build mfuser-edge with -p:OrtFlavor=Gpu on an x64 host with TensorRT 10, or use the Jetson ONNX Runtime build (docs/jetson.md).");
    }

    private static void ShowElapsed(TimeSpan elapsed)
    {
        if (Console.IsErrorRedirected)
            Console.Error.WriteLine($"building TensorRT engine: {ModelRuntime.Elapsed(elapsed)} elapsed");
        else
            Console.Error.Write($"\rbuilding TensorRT engine: {ModelRuntime.Elapsed(elapsed)} elapsed ");
    }
}
