using MFuser.Edge.Config;
using MFuser.Edge.Inference;

namespace MFuser.Edge.Daemon;

/// <summary>Starts a <see cref="SegmentationSession"/> from the configuration and reports each provider attempt.</summary>
internal static class ModelRuntime
{
    /// <summary>TensorRT engines and timing caches persist here, keyed by model SHA-256 (see ExecutionProviders).</summary>
    public static string EngineCacheDir =>
        Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "mfuser-edge", "tensorrt");

    /// <param name="report">Receives one line per provider that failed, then the one in use.</param>
    public static SegmentationSession Open(ModelPackage package, EdgeConfig config, Action<string> report)
    {
        var settings = new SessionSettings(config.Inference.Providers, config.Inference.IntraOpThreads,
            config.Inference.CustomOpLibrary, EngineCacheDir);
        var session = SegmentationSession.Create(package, settings);
        foreach (var a in session.Attempts.Where(a => !a.Succeeded))
            report($"execution provider {a.Provider} unavailable: {a.Detail}");
        report($"execution provider in use: {session.Provider}");
        return session;
    }
}
