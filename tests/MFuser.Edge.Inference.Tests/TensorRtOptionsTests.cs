using System.Collections;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.TestSupport;

namespace MFuser.Edge.Inference.Tests;

/// <summary>The <c>inference.tensorrt.*</c> keys: validation at start-up and their mapping to ONNX Runtime TensorRT
/// provider options (the dictionary handed to the EP; no TensorRT EP exists here to consume it).</summary>
public sealed class TensorRtOptionsTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static EdgeConfig Load(Hashtable env) => ConfigLoader.Load(null, env, []);

    [Fact]
    public void Defaults_map_to_fp16_with_engine_and_timing_caches_and_no_dla()
    {
        var config = Load(new Hashtable()).Inference.TensorRt;
        Assert.Equal(TensorRtConfig.Defaults, config);
        var options = TensorRtProviderOptions.Build(config, "/cache/abc", "/cache/timing", null);
        Assert.Equal(new Dictionary<string, string>
        {
            ["device_id"] = "0",
            ["trt_fp16_enable"] = "1",
            ["trt_engine_cache_enable"] = "1",
            ["trt_engine_cache_path"] = "/cache/abc",
            ["trt_timing_cache_enable"] = "1",
            ["trt_timing_cache_path"] = "/cache/timing",
            ["trt_builder_optimization_level"] = "3",
            ["trt_dla_enable"] = "0",
        }, options);
    }

    [Fact]
    public void Every_key_reaches_its_provider_option()
    {
        var config = Load(new Hashtable
        {
            ["MFUSER_INFERENCE_TENSORRT_FP16"] = "false",
            ["MFUSER_INFERENCE_TENSORRT_WORKSPACE_MB"] = "2048",
            ["MFUSER_INFERENCE_TENSORRT_DLA_CORE"] = "1",
            ["MFUSER_INFERENCE_TENSORRT_BUILDER_OPTIMIZATION_LEVEL"] = "5",
            ["MFUSER_INFERENCE_TENSORRT_ENGINE_CACHE_DIR"] = "/var/cache/mfuser/engines",
            ["MFUSER_INFERENCE_TENSORRT_TIMING_CACHE_DIR"] = "/var/cache/mfuser/timing",
        }).Inference.TensorRt;
        var options = TensorRtProviderOptions.Build(config, "/e", "/t", "/opt/mfuser/libmfuser_trt.so");
        Assert.Equal("0", options["trt_fp16_enable"]);
        Assert.Equal((2048L << 20).ToString(), options["trt_max_workspace_size"]);
        Assert.Equal(("1", "1"), (options["trt_dla_enable"], options["trt_dla_core"]));
        Assert.Equal("5", options["trt_builder_optimization_level"]);
        Assert.Equal("/opt/mfuser/libmfuser_trt.so", options["trt_extra_plugin_lib_paths"]);
        Assert.Equal("/var/cache/mfuser/engines", TensorRtProviderOptions.EngineCacheRoot(config));
        Assert.Equal("/var/cache/mfuser/timing", TensorRtProviderOptions.TimingCacheDir(config));
    }

    [Fact]
    public void Options_left_at_their_defaults_are_not_sent()
    {
        var options = TensorRtProviderOptions.Build(TensorRtConfig.Defaults, "/e", "/t", null);
        Assert.False(options.ContainsKey("trt_max_workspace_size"));
        Assert.False(options.ContainsKey("trt_dla_core"));
        // ONNX Runtime rejects an empty trt_extra_plugin_lib_paths.
        Assert.False(options.ContainsKey("trt_extra_plugin_lib_paths"));
    }

    [Fact]
    public void Timing_cache_defaults_to_a_folder_under_the_engine_cache()
    {
        var config = TensorRtConfig.Defaults with { EngineCacheDir = _dir.File("engines") };
        Assert.Equal(Path.Combine(_dir.Path, "engines", "timing"), TensorRtProviderOptions.TimingCacheDir(config));
        Assert.EndsWith(Path.Combine("mfuser-edge", "tensorrt"), TensorRtProviderOptions.EngineCacheRoot(TensorRtConfig.Defaults));
    }

    [Fact]
    public void Default_engine_cache_follows_systemd_then_XDG_then_home()
    {
        string Root(params (string Name, string Value)[] env) =>
            TensorRtProviderOptions.EngineCacheRoot(TensorRtConfig.Defaults, n => env.FirstOrDefault(e => e.Name == n).Value);
        Assert.Equal("/var/cache/mfuser-edge/tensorrt",
            Root(("CACHE_DIRECTORY", "/var/cache/mfuser-edge:/var/cache/other"), ("XDG_CACHE_HOME", "/x"), ("HOME", "/h")));
        Assert.Equal("/x/mfuser-edge/tensorrt", Root(("XDG_CACHE_HOME", "/x"), ("HOME", "/h")));
        Assert.Equal("/h/.cache/mfuser-edge/tensorrt", Root(("HOME", "/h")));
        Assert.Equal("/e", TensorRtProviderOptions.EngineCacheRoot(TensorRtConfig.Defaults with { EngineCacheDir = "/e" }, _ => "/ignored"));
    }

    [Fact]
    public void Plugin_library_is_the_configured_one_else_the_one_beside_the_executable()
    {
        Assert.Null(TensorRtProviderOptions.ResolvePluginLibrary("", _dir.Path));
        var beside = _dir.File(TensorRtProviderOptions.DefaultPluginLibrary);
        File.WriteAllBytes(beside, [0x7f, (byte)'E', (byte)'L', (byte)'F']);
        Assert.Equal(beside, TensorRtProviderOptions.ResolvePluginLibrary("", _dir.Path));
        Assert.Equal("/opt/x/libplugin.so", TensorRtProviderOptions.ResolvePluginLibrary("/opt/x/libplugin.so", _dir.Path));
    }

    [Theory]
    [InlineData("MFUSER_INFERENCE_TENSORRT_DLA_CORE", "8", "inference.tensorrt.dla_core", "an integer from -1 to 7")]
    [InlineData("MFUSER_INFERENCE_TENSORRT_FP16", "yes", "inference.tensorrt.fp16", "true or false")]
    [InlineData("MFUSER_INFERENCE_TENSORRT_WORKSPACE_MB", "-1", "inference.tensorrt.workspace_mb", "an integer from 0 to")]
    [InlineData("MFUSER_INFERENCE_TENSORRT_BUILDER_OPTIMIZATION_LEVEL", "6", "inference.tensorrt.builder_optimization_level",
        "an integer from 0 to 5")]
    [InlineData("MFUSER_INFERENCE_TENSORRT_PLUGIN_LIBRARY", "/nonexistent/libmfuser_trt.so", "inference.tensorrt.plugin_library", "no such file")]
    public void Bad_values_are_refused_at_start_up_naming_the_key(string variable, string value, string key, string expected)
    {
        var e = Assert.Throws<ConfigException>(() => Load(new Hashtable { [variable] = value }));
        var problem = Assert.Single(e.Problems);
        Assert.Equal((key, value, $"environment {variable}"), (problem.Key, problem.Value, problem.Origin));
        Assert.Contains(expected, problem.Problem);
    }

    public void Dispose() => _dir.Dispose();
}
