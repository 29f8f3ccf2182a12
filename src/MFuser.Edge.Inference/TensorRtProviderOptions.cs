using System.Globalization;
using MFuser.Edge.Core.Config;

namespace MFuser.Edge.Inference;

/// <summary>Maps the <c>inference.tensorrt.*</c> settings to ONNX Runtime TensorRT execution-provider options
/// (names as in ORT's <c>tensorrt_provider_options.h</c> / TensorRT-ExecutionProvider docs, ORT 1.31). Pure: the
/// dictionary is what <see cref="ExecutionProviders"/> hands to <c>OrtTensorRTProviderOptions.UpdateOptions</c>.
/// Verified only as text on this project's CPU-only machines: no TensorRT EP has consumed these options here.</summary>
public static class TensorRtProviderOptions
{
    /// <param name="config">The TensorRT settings.</param>
    /// <param name="engineDir">This model's engine folder, <c>&lt;engine_cache_dir&gt;/&lt;key&gt;</c>.</param>
    /// <param name="timingDir">The timing-cache folder.</param>
    /// <param name="pluginLibrary">Full path of the plugin library, or null when there is none.</param>
    public static IReadOnlyDictionary<string, string> Build(TensorRtConfig config, string engineDir, string timingDir, string? pluginLibrary)
    {
        var options = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["device_id"] = "0",
            ["trt_fp16_enable"] = Flag(config.Fp16),
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = engineDir,
            ["trt_timing_cache_enable"] = "1",
            ["trt_timing_cache_path"] = timingDir,
            ["trt_builder_optimization_level"] = Int(config.BuilderOptimizationLevel),
            ["trt_dla_enable"] = Flag(config.DlaCore >= 0),
        };
        if (config.DlaCore >= 0)
            options["trt_dla_core"] = Int(config.DlaCore);
        // 0 leaves ORT's default (TensorRT may use the device's memory).
        if (config.WorkspaceMb > 0)
            options["trt_max_workspace_size"] = ((long)config.WorkspaceMb << 20).ToString(CultureInfo.InvariantCulture);
        // ORT rejects an empty value for this key, so it is only set when a library exists.
        if (pluginLibrary is not null)
            options["trt_extra_plugin_lib_paths"] = pluginLibrary;
        return options;
    }

    /// <summary>The plugin library to load: the configured path, else <see cref="DefaultPluginLibrary"/> next to the
    /// executable when it exists, else null (a model without the plugin node needs none).</summary>
    public static string? ResolvePluginLibrary(string configured, string executableDirectory)
    {
        if (configured.Length > 0)
            return Path.GetFullPath(configured);
        var besideExe = Path.Combine(executableDirectory, DefaultPluginLibrary);
        return File.Exists(besideExe) ? besideExe : null;
    }

    /// <summary>The engine cache root: <c>inference.tensorrt.engine_cache_dir</c>, else <c>$CACHE_DIRECTORY/tensorrt</c>
    /// (set by systemd's <c>CacheDirectory=</c>, e.g. /var/cache/mfuser-edge, since the service cannot write its home),
    /// else <c>$XDG_CACHE_HOME/mfuser-edge/tensorrt</c>, else <c>~/.cache/mfuser-edge/tensorrt</c>.</summary>
    public static string EngineCacheRoot(TensorRtConfig config) => EngineCacheRoot(config, Environment.GetEnvironmentVariable);

    /// <inheritdoc cref="EngineCacheRoot(TensorRtConfig)"/>
    public static string EngineCacheRoot(TensorRtConfig config, Func<string, string?> environment)
    {
        if (config.EngineCacheDir.Length > 0)
            return Path.GetFullPath(config.EngineCacheDir);
        // systemd passes one path per CacheDirectory= entry, colon-separated.
        if (environment("CACHE_DIRECTORY") is { Length: > 0 } systemd)
            return Path.Combine(systemd.Split(':')[0], "tensorrt");
        var cacheHome = environment("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg
            : Path.Combine(environment("HOME") is { Length: > 0 } home ? home
                : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(cacheHome, "mfuser-edge", "tensorrt");
    }

    /// <summary>The timing-cache folder: <c>inference.tensorrt.timing_cache_dir</c>, else <c>&lt;root&gt;/timing</c>.</summary>
    public static string TimingCacheDir(TensorRtConfig config) =>
        config.TimingCacheDir.Length > 0 ? Path.GetFullPath(config.TimingCacheDir) : Path.Combine(EngineCacheRoot(config), "timing");

    /// <summary>The file name of the TensorRT plugin library built from native/selective_scan/trt.</summary>
    public const string DefaultPluginLibrary = "libmfuser_trt.so";

    private static string Flag(bool on) => on ? "1" : "0";

    private static string Int(int v) => v.ToString(CultureInfo.InvariantCulture);
}
