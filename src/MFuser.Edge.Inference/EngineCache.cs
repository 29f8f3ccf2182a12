using MFuser.Edge.Core.Config;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference;

/// <summary>The TensorRT engine cache of one session: the keyed engine folder (ONNX Runtime writes
/// <c>TensorrtExecutionProvider_TRTKernel_…​.engine</c> files into it), the shared timing-cache folder and the plugin
/// library loaded. Only the folder layout and the key are exercised on this project's CPU-only machines; what TensorRT
/// writes into the folders is documented from ONNX Runtime's TensorRT EP, not observed.</summary>
public sealed record EngineCache(string Directory, EngineCacheKey Key, string TimingDirectory, string? PluginLibrary)
{
    /// <summary>Computes the key for <paramref name="model"/> on this machine, creates the folders, writes
    /// <see cref="EngineCacheKey.FileName"/> and returns the TensorRT provider options that point at them.</summary>
    public static EngineCache Prepare(ModelVariant model, TensorRtConfig config, out IReadOnlyDictionary<string, string> providerOptions)
    {
        var cache = For(model, config);
        cache.Key.WriteTo(cache.Directory);
        System.IO.Directory.CreateDirectory(cache.TimingDirectory);
        providerOptions = TensorRtProviderOptions.Build(config, cache.Directory, cache.TimingDirectory, cache.PluginLibrary);
        return cache;
    }

    /// <summary>The cache <paramref name="model"/> would use on this machine, without touching the disk beyond reading
    /// the plugin library (for its hash) and probing the GPU and TensorRT version.</summary>
    public static EngineCache For(ModelVariant model, TensorRtConfig config)
    {
        var plugin = TensorRtProviderOptions.ResolvePluginLibrary(config.PluginLibrary, AppContext.BaseDirectory);
        var key = new EngineCacheKey(model.File, model.Sha256, OrtEnv.Instance().GetVersionString(),
            GpuEnvironment.TensorRtVersion(GpuEnvironment.LibraryFolders()), GpuEnvironment.Device(),
            config.Fp16 ? "fp16" : "fp32", config.DlaCore, EngineCacheKey.FileSha256(plugin), config.BuilderOptimizationLevel, config.WorkspaceMb);
        return new EngineCache(key.DirectoryUnder(TensorRtProviderOptions.EngineCacheRoot(config)), key,
            TensorRtProviderOptions.TimingCacheDir(config), plugin);
    }

    /// <summary>True when <see cref="Directory"/> holds a built engine.</summary>
    public bool HasEngine => System.IO.Directory.Exists(Directory) && System.IO.Directory.EnumerateFiles(Directory, "*.engine").Any();

    /// <summary>Files in the engine and timing folders, with sizes and times, for reports.</summary>
    public IReadOnlyList<FileInfo> Files() =>
        new[] { Directory, TimingDirectory }.Distinct().Where(System.IO.Directory.Exists)
            .SelectMany(d => new DirectoryInfo(d).EnumerateFiles()).OrderBy(f => f.FullName, StringComparer.Ordinal).ToList();
}
