using MFuser.Edge.Startup;
using System.CommandLine;
using System.Reflection;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge info</c>: software and native library versions, available execution providers and video
/// backends, the effective configuration, the model package it names, the TensorRT engine cache, and where the
/// model's nodes run (measured by creating the session and profiling one inference). It never builds a TensorRT
/// engine: when TensorRT would be used and no engine is cached yet, it says so and points at <c>build-engine</c>.</summary>
internal static class InfoCommand
{
    public static string SoftwareVersion =>
        typeof(InfoCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";

    public static Command Create(CommonOptions common)
    {
        var command = new Command("info", "Show versions, execution providers, video backends and the effective configuration");
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var config = common.Load(parse);
            Console.WriteLine($"mfuser-edge      {SoftwareVersion} (.NET {Environment.Version})");
            Console.WriteLine($"onnxruntime      {OrtEnv.Instance().GetVersionString()}, " +
                              $"providers: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}");
            Console.WriteLine($"opencv           {OpenCvBuild.Version}; video backends: " + string.Join("; ",
                new[] { "FFMPEG", "GStreamer", "v4l/v4l2" }.Select(b => OpenCvBuild.BackendLine(b) ?? $"{b}: not listed")));
            Console.WriteLine($"device id        {config.DeviceId} (base topic {config.BaseTopic})");
            Console.WriteLine($"source           {config.Source.Uri} ({config.Source.Uri.Kind})");
            Console.WriteLine($"broker           {config.Broker.Endpoint}");
            Console.WriteLine($"providers        {string.Join(" -> ", config.Inference.Providers)}");
            Console.WriteLine($"gpu / tensorrt   {GpuEnvironment.Device()}; " +
                              $"TensorRT {GpuEnvironment.TensorRtVersion(GpuEnvironment.LibraryFolders())}");
            var path = PackageDirectory.Resolve(config.ModelPath);
            try
            {
                var m = ManifestReader.ReadPackage(path);
                Console.WriteLine($"model            {m.Name} {m.Version} at {path} ({m.Input.Width}x{m.Input.Height}, {m.Classes.Count} classes)");
                ShowPlacement(PackageDirectory.Load(path), config);
            }
            catch (ModelPackageException e)
            {
                Console.WriteLine($"model            {path}: {e.Message}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static void ShowPlacement(PackageDirectory package, EdgeConfig config)
    {
        var trt = config.Inference.TensorRt;
        var trtInBuild = OrtEnv.Instance().GetAvailableProviders().Contains("TensorrtExecutionProvider");
        if (trtInBuild && config.Inference.Providers.Contains("tensorrt"))
        {
            var cache = EngineCache.For(ModelVariant.For(package, "tensorrt"), trt);
            Console.WriteLine($"engine cache     {cache.Directory} (key {cache.Key.Key}; {(cache.HasEngine ? "engine built" : "no engine yet")})");
            if (!cache.HasEngine)
            {
                Console.WriteLine("placement        not measured: no TensorRT engine is cached for this model yet; 'mfuser-edge " +
                                  "build-engine' builds it");
                return;
            }
        }
        else
            Console.WriteLine($"engine cache     {TensorRtProviderOptions.EngineCacheRoot(trt)} " +
                              $"(unused: {(trtInBuild ? "tensorrt is not configured" : "no TensorRT execution provider in this build")})");
        try
        {
            using var session = SegmentationSession.Create(package, ModelRuntime.Settings(config));
            session.WarmUp(1);
            Console.WriteLine($"provider in use  {session.Provider} ({session.Model.File})");
            foreach (var line in session.Placement?.Lines() ?? [])
                Console.WriteLine($"placement        {line}");
        }
        catch (ProviderUnavailableException e)
        {
            Console.WriteLine($"provider in use  none: {e.Message}");
        }
    }
}
