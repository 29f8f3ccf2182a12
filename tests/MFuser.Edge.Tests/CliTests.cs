using MFuser.TestSupport;
using MFuser.Onnx.Graph;

namespace MFuser.Edge.Tests;

/// <summary>Exit codes and messages of the built executable for good and bad input.</summary>
public sealed class CliTests : IDisposable
{
    private readonly TempDir _dir = new();
    private static readonly ColourRuleModel Small = new(24, 40, ColourRuleModel.StreetPrototypes);

    [Fact]
    public async Task Validate_model_prints_the_summary_of_the_bundled_fixture()
    {
        var p = await EdgeProcess.RunAsync(["validate-model", RepoPaths.FixturePackage]);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.Contains("name / version  fixture-colour-rule 1.0.0", p.Stdout);
        Assert.Contains("input           image uint8 [1, 192, 320, 3] BGR", p.Stdout);
        Assert.Contains("classes         19: 0 road (drivable), 1 sidewalk", p.Stdout);
        Assert.Contains("provider        cpu", p.Stdout);
        Assert.Matches(@"warm-up         \d+\.\d ms", p.Stdout);
        Assert.Contains("execution provider tensorrt unavailable: TensorrtExecutionProvider is not in this ONNX Runtime build", p.Stdout);
    }

    [Fact]
    public async Task Corrupt_onnx_exits_3_naming_the_file_and_check()
    {
        var dir = Small.WritePackage(_dir.File("corrupt"));
        await File.WriteAllBytesAsync(Path.Combine(dir, "model.onnx"), "not an onnx model"u8.ToArray());
        var p = await EdgeProcess.RunAsync(["validate-model", dir]);
        Assert.Equal(3, p.ExitCode);
        Assert.Contains($"model package check failed: {dir}/model.onnx: SHA-256: expected", p.Stderr);
    }

    [Fact]
    public async Task Wrong_input_dtype_exits_3()
    {
        var dir = Small.WritePackage(_dir.File("float"), new ColourRuleModel.Variant(InputType: ElementType.Float));
        var p = await EdgeProcess.RunAsync(["run", "--model", dir, "--source", "synthetic://drive", "--broker", "mqtt://127.0.0.1:1"]);
        Assert.Equal(3, p.ExitCode);
        Assert.Contains("model.onnx: input 'image' element type: expected uint8, found float32", p.Stderr);
    }

    [Fact]
    public async Task Missing_custom_op_library_exits_3()
    {
        var dir = Small.WritePackage(_dir.File("customop"), edit: m =>
            m["custom_op"] = new System.Text.Json.Nodes.JsonObject { ["library"] = "libmfuser_ops_missing.so", ["domain"] = "com.mfuser",
                ["min_version"] = 1 });
        var p = await EdgeProcess.RunAsync(["validate-model", dir]);
        Assert.Equal(3, p.ExitCode);
        Assert.Contains("libmfuser_ops_missing.so: custom-op library: expected libmfuser_ops_missing.so providing domain com.mfuser " +
                        "version >= 1", p.Stderr);
        Assert.Contains("found no such file", p.Stderr);
    }

    [Fact]
    public async Task Unknown_config_key_and_invalid_values_exit_2_naming_them()
    {
        var config = _dir.File("edge.json");
        await File.WriteAllTextAsync(config, """{ "broker": { "hots": "x" }, "publish": { "overlay_hz": -1 } }""");
        var p = await EdgeProcess.RunAsync(["run", "--config", config, "--max-frames", "ten"]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains($"{config}: broker.hots: unknown key (known in 'broker': url", p.Stderr);
        Assert.Contains($"{config}: publish.overlay_hz = '-1' is not allowed: expected 0 (off) or a number from 0.001 to 60", p.Stderr);
        Assert.Contains("--max-frames: run.max_frames = 'ten' is not allowed: expected an integer from 0 to", p.Stderr);
    }

    [Fact]
    public async Task Invalid_environment_value_exits_2()
    {
        var p = await EdgeProcess.RunAsync(["info"], new Dictionary<string, string> { ["MFUSER_BROKER_URL"] = "tcp://x" });
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("environment MFUSER_BROKER_URL: broker.url = 'tcp://x' is not allowed: expected embedded, mqtt://host:port or " +
                        "mqtts://host:port", p.Stderr);
    }

    [Fact]
    public async Task Unreachable_source_exits_4_after_the_startup_timeout()
    {
        var port = FreePort.Next();
        var p = await EdgeProcess.RunAsync(
            ["run", "--model", RepoPaths.FixturePackage, "--source", $"rtsp://127.0.0.1:{port}/none", "--broker", "mqtt://127.0.0.1:1",
                "--max-frames", "1"],
            new Dictionary<string, string> { ["MFUSER_SOURCE_STARTUP_TIMEOUT_S"] = "2", ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" });
        Assert.True(p.ExitCode == 4, p.ToString());
        Assert.Contains($"source rtsp://127.0.0.1:{port}/none delivered no frame within 2 s (source.startup_timeout_s): " +
                        $"cannot open stream", p.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
