using System.CommandLine;
using System.Reflection;
using MFuser.Edge.Capture;
using MFuser.Edge.Config;
using MFuser.Edge.Inference;
using MFuser.Edge.Models;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Daemon.Cli;

/// <summary><c>mfuser-edge info</c>: software and native library versions, available execution providers and video
/// backends, the effective configuration and the model package it names.</summary>
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
            Console.WriteLine($"onnxruntime      {OrtEnv.Instance().GetVersionString()}, providers: {string.Join(", ", OrtEnv.Instance().GetAvailableProviders())}");
            Console.WriteLine($"opencv           {OpenCvBuild.Version}; video backends: " + string.Join("; ",
                new[] { "FFMPEG", "GStreamer", "v4l/v4l2" }.Select(b => OpenCvBuild.BackendLine(b) ?? $"{b}: not listed")));
            Console.WriteLine($"device id        {config.DeviceId} (base topic {config.BaseTopic})");
            Console.WriteLine($"source           {config.Source.Uri} ({config.Source.Uri.Kind})");
            Console.WriteLine($"broker           {config.Broker.Endpoint}");
            Console.WriteLine($"providers        {string.Join(" -> ", config.Inference.Providers)}");
            var path = ModelPackage.Resolve(config.ModelPath);
            try
            {
                var m = ManifestReader.ReadPackage(path);
                Console.WriteLine($"model            {m.Name} {m.Version} at {path} ({m.Input.Width}x{m.Input.Height}, {m.Classes.Count} classes)");
            }
            catch (ModelPackageException e)
            {
                Console.WriteLine($"model            {path}: {e.Message}");
            }
            return ExitCodes.Ok;
        });
        return command;
    }
}
