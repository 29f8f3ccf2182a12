using System.Security.Cryptography;
using System.Text.Json.Nodes;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.TestSupport;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference.Tests;

/// <summary>TensorRT engine cache keys and their inputs: the key is stable, changes with every input, and its folder
/// carries a readable cache-key.json; the TensorRT version and GPU probes' parsers; which ONNX variant TensorRT loads.
/// No TensorRT or GPU exists here, so the probes themselves only ever answer "unknown" / "none" in these runs.</summary>
public sealed class EngineCacheKeyTests : IDisposable
{
    private static readonly EngineCacheKey Base = new("model.trt.onnx", new string('a', 64), "1.31.1", "10.3.0",
        "NVIDIA Jetson AGX Orin Developer Kit", "fp16", -1, new string('b', 64), 3, 0);

    private readonly TempDir _dir = new();

    [Fact]
    public void Key_is_sixteen_hex_digits_and_stable()
    {
        Assert.Matches("^[0-9a-f]{16}$", Base.Key);
        Assert.Equal(Base.Key, (Base with { }).Key);
        Assert.Equal(Base.Key, new EngineCacheKey("model.trt.onnx", new string('a', 64), "1.31.1", "10.3.0",
            "NVIDIA Jetson AGX Orin Developer Kit", "fp16", -1, new string('b', 64), 3, 0).Key);
    }

    [Fact]
    public void Key_changes_with_every_input()
    {
        EngineCacheKey[] changed =
        [
            Base with { ModelFile = "model.onnx" },
            Base with { ModelSha256 = new string('c', 64) },
            Base with { OnnxRuntime = "1.31.0" },
            Base with { TensorRt = "10.3.1" },
            Base with { Device = "NVIDIA Jetson Orin NX Engineering Reference Developer Kit" },
            Base with { Precision = "fp32" },
            Base with { DlaCore = 0 },
            Base with { PluginSha256 = "none" },
            Base with { BuilderOptimizationLevel = 4 },
            Base with { WorkspaceMb = 1024 },
        ];
        Assert.Equal(Base.Inputs.Count, changed.Length);
        var keys = changed.Select(k => k.Key).Append(Base.Key).ToList();
        Assert.Equal(keys.Count, keys.Distinct().Count());
    }

    [Fact]
    public void Cache_key_json_lists_the_inputs_in_clear_and_keeps_its_first_creation_time()
    {
        var dir = Base.DirectoryUnder(_dir.Path);
        Assert.Equal(Path.Combine(_dir.Path, Base.Key), dir);
        Base.WriteTo(dir);
        var path = Path.Combine(dir, EngineCacheKey.FileName);
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(Base.Key, doc["key"]!.GetValue<string>());
        Assert.Equal("10.3.0", doc["inputs"]!["tensorrt"]!.GetValue<string>());
        Assert.Equal("NVIDIA Jetson AGX Orin Developer Kit", doc["inputs"]!["device"]!.GetValue<string>());
        Assert.Equal("-1", doc["inputs"]!["dla_core"]!.GetValue<string>());
        Assert.Equal(Base.Inputs.Select(i => i.Name), doc["inputs"]!.AsObject().Select(p => p.Key));

        var written = File.GetLastWriteTimeUtc(path);
        var text = File.ReadAllText(path);
        Thread.Sleep(20);
        Base.WriteTo(dir);
        Assert.Equal((text, written), (File.ReadAllText(path), File.GetLastWriteTimeUtc(path)));

        File.WriteAllText(path, "{ not json");
        Base.WriteTo(dir);
        Assert.Equal(Base.Key, JsonNode.Parse(File.ReadAllText(path))!["key"]!.GetValue<string>());
    }

    [Fact]
    public void Prepare_creates_the_keyed_folder_and_points_the_provider_options_at_it()
    {
        var package = PackageDirectory.Load(RepoPaths.FixturePackage);
        var config = TensorRtConfig.Defaults with { EngineCacheDir = _dir.File("engines"), Fp16 = false, DlaCore = 0 };
        var cache = EngineCache.Prepare(ModelVariant.Primary(package), config, out var options);

        Assert.Equal(package.Manifest.Sha256, cache.Key.ModelSha256);
        Assert.Equal(OrtEnv.Instance().GetVersionString(), cache.Key.OnnxRuntime);
        Assert.Equal(("fp32", 0, "none"), (cache.Key.Precision, cache.Key.DlaCore, cache.Key.PluginSha256));
        Assert.Equal(Path.Combine(_dir.Path, "engines", cache.Key.Key), cache.Directory);
        Assert.True(File.Exists(Path.Combine(cache.Directory, EngineCacheKey.FileName)));
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, "engines", "timing")));
        Assert.Equal(cache.Directory, options["trt_engine_cache_path"]);
        Assert.Equal(cache.TimingDirectory, options["trt_timing_cache_path"]);
        Assert.False(cache.HasEngine);
        File.WriteAllBytes(Path.Combine(cache.Directory, "TensorrtExecutionProvider_TRTKernel_graph_main_0_0_sm87.engine"), [1]);
        Assert.True(cache.HasEngine);
        Assert.Equal(2, cache.Files().Count);
    }

    [Fact]
    public void Plugin_library_contents_are_part_of_the_key()
    {
        var package = PackageDirectory.Load(RepoPaths.FixturePackage);
        var plugin = _dir.File("libmfuser_trt.so");
        File.WriteAllBytes(plugin, [1, 2, 3]);
        var config = TensorRtConfig.Defaults with { EngineCacheDir = _dir.Path, PluginLibrary = plugin };
        var first = EngineCache.For(ModelVariant.Primary(package), config);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([1, 2, 3])), first.Key.PluginSha256);
        File.WriteAllBytes(plugin, [1, 2, 4]);
        Assert.NotEqual(first.Key.Key, EngineCache.For(ModelVariant.Primary(package), config).Key.Key);
    }

    [Fact]
    public void TensorRt_version_comes_from_the_most_specific_libnvinfer_name_of_the_first_folder_that_has_one()
    {
        var empty = Directory.CreateDirectory(_dir.File("empty")).FullName;
        var jetpack = Directory.CreateDirectory(_dir.File("jetpack")).FullName;
        foreach (var f in new[] { "libnvinfer.so", "libnvinfer.so.10", "libnvinfer.so.10.3.0", "libnvinfer_plugin.so.10.3.0",
            "libnvinfer.so.10.3.0.bak" })
            File.WriteAllBytes(Path.Combine(jetpack, f), []);
        var older = Directory.CreateDirectory(_dir.File("older")).FullName;
        File.WriteAllBytes(Path.Combine(older, "libnvinfer.so.8.6.1"), []);
        File.WriteAllBytes(Path.Combine(older, "libnvinfer.so.8.6.10"), []);

        Assert.Equal("10.3.0", GpuEnvironment.TensorRtVersion([empty, _dir.File("missing"), jetpack, older]));
        Assert.Equal("8.6.10", GpuEnvironment.TensorRtVersion([older, jetpack]));
        Assert.Equal("unknown", GpuEnvironment.TensorRtVersion([empty]));
    }

    [Theory]
    [InlineData("NVIDIA H100 80GB HBM3, 9.0", "NVIDIA H100 80GB HBM3, compute capability 9.0")]
    [InlineData("Orin (nvgpu), [N/A]", "Orin (nvgpu), compute capability unknown")]
    [InlineData("NVIDIA GeForce RTX 4090, 8.9 ", "NVIDIA GeForce RTX 4090, compute capability 8.9")]
    [InlineData("No devices were found", null)]
    [InlineData(", 9.0", null)]
    public void Nvidia_smi_lines_become_device_descriptions(string line, string? expected) =>
        Assert.Equal(expected, GpuEnvironment.ParseNvidiaSmi(line));

    [Fact]
    public void Jetson_device_tree_model_is_read_without_its_terminator()
    {
        Assert.Equal("NVIDIA Jetson AGX Orin Developer Kit", GpuEnvironment.ParseDeviceTreeModel("NVIDIA Jetson AGX Orin Developer Kit\0"u8));
        Assert.Null(GpuEnvironment.ParseDeviceTreeModel("Raspberry Pi 4 Model B Rev 1.4\0"u8));
    }

    [Fact]
    public void TensorRt_loads_the_trt_variant_checked_against_SHA256SUMS_other_providers_the_manifest_file()
    {
        var dir = ColourRuleModel.Default.WritePackage(_dir.File("pkg"));
        var trtBytes = new ColourRuleModel(192, 320, ColourRuleModel.StreetPrototypes.Take(5).ToList()).ToOnnx();
        File.WriteAllBytes(Path.Combine(dir, ModelVariant.TensorRtFile), trtBytes);
        var trtSha = Convert.ToHexStringLower(SHA256.HashData(trtBytes));
        var package = PackageDirectory.Load(dir);

        var unlisted = ModelVariant.For(package, "tensorrt");
        Assert.Equal((ModelVariant.TensorRtFile, trtSha), (unlisted.File, unlisted.Sha256));
        Assert.StartsWith("unverified", unlisted.Verified);

        File.WriteAllText(Path.Combine(dir, ModelVariant.ChecksumFile), $"{package.Manifest.Sha256}  model.onnx\n{trtSha}  model.trt.onnx\n");
        var listed = ModelVariant.For(package, "tensorrt");
        Assert.Equal((ModelVariant.TensorRtFile, trtSha, ModelVariant.ChecksumFile), (listed.File, listed.Sha256, listed.Verified));
        Assert.Equal(trtBytes, listed.Bytes);

        var cpu = ModelVariant.For(package, "cpu");
        Assert.Equal(("model.onnx", package.Manifest.Sha256, ModelManifest.FileName), (cpu.File, cpu.Sha256, cpu.Verified));

        File.WriteAllText(Path.Combine(dir, ModelVariant.ChecksumFile), $"{new string('0', 64)} *model.trt.onnx\n");
        var e = Assert.Throws<ModelPackageException>(() => ModelVariant.For(package, "tensorrt"));
        Assert.Equal(("SHA-256", trtSha), (e.Check, e.Actual));
        Assert.EndsWith("model.trt.onnx", e.File);
        Assert.Contains("(from SHA256SUMS)", e.Expected);
    }

    [Fact]
    public void Without_TensorRT_the_cpu_fallback_runs_the_manifest_file_even_when_a_trt_variant_is_present()
    {
        var dir = ColourRuleModel.Default.WritePackage(_dir.File("pkg"));
        File.WriteAllBytes(Path.Combine(dir, ModelVariant.TensorRtFile), "not loadable by the CPU provider"u8.ToArray());
        var settings = SessionSettings.CpuOnly with { Providers = ["tensorrt", "cpu"] };
        using var session = SegmentationSession.Create(PackageDirectory.Load(dir), settings);
        Assert.Equal(("cpu", "model.onnx"), (session.Provider, session.Model.File));
        Assert.Null(session.EngineCache);
    }

    public void Dispose() => _dir.Dispose();
}
