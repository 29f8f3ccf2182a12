using System.Text.Json.Nodes;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.TestSupport;
using MFuser.Scenes;
using MFuser.ModelPackage.Classes;

namespace MFuser.Edge.Tests;

/// <summary>The committed default model package (models/mfuser-tiny-synth, the trained MFuser 'tiny'), through the
/// daemon's own loading path: external weights, the scan op, both graph variants, and the quick start's run.</summary>
public sealed class BundledModelTests : IDisposable
{
    private static string Package => Path.Combine(RepoPaths.Root, ConfigSchema.DefaultModel);
    private static string OpsLibrary => Path.Combine(RepoPaths.Root, "native", "selective_scan", "build", "libmfuser_ops.so");
    private static SessionSettings Settings => SessionSettings.CpuOnly with { CustomOpLibrary = OpsLibrary, IntraOpThreads = 1 };
    private readonly TempDir _dir = new();

    /// <summary>A held-out synthetic frame (training seeds are far below 10⁹) with its exact labels.</summary>
    private static (byte[] Bgr, byte[] Labels) Frame(int width, int height, Domain domain = Domain.Clear)
    {
        var bgr = new byte[width * height * 3];
        var labels = new byte[width * height];
        new SceneRenderer().Render(1_500_000_007, domain, width, height, bgr, labels);
        return (bgr, labels);
    }

    private static byte[] Segment(SegmentationSession session, byte[] bgr)
    {
        bgr.CopyTo(session.Buffers.Input);
        session.Run();
        return session.Buffers.Labels.ToArray();
    }

    [Fact]
    public void Default_package_is_the_trained_MFuser_and_segments_a_clear_frame()
    {
        var package = PackageDirectory.Load(Package);
        Assert.Equal("mfuser-tiny-synth", package.Manifest.Name);
        Assert.StartsWith("MFuser 'tiny", package.Manifest.Architecture);   // 'tiny' or a variant such as 'tiny+minilm'
        Assert.Equal("model.weights", package.Manifest.Weights?.File);
        Assert.NotNull(package.Manifest.CustomOp);
        Assert.True(package.Manifest.Training.MIoU["clear"] > 0.25, $"clear mIoU in the manifest: {package.Manifest.Training.MIoU["clear"]}");

        using var session = SegmentationSession.Create(package, Settings);
        var (bgr, truth) = Frame(session.Width, session.Height);
        var labels = Segment(session, bgr);
        var scored = Enumerable.Range(0, truth.Length).Where(i => truth[i] != TrainIds.Ignore).ToArray();
        var accuracy = scored.Count(i => labels[i] == truth[i]) / (double)scored.Length;
        // The model is small and trained briefly (MODEL_CARD.md), but road, sky and buildings cover most pixels.
        Assert.True(accuracy > 0.6, $"pixel accuracy on a held-out clear frame: {accuracy:P1}");
        Assert.True(labels.Distinct().Count() >= 3, "fewer than 3 classes predicted");
    }

    [Fact]
    public void Fused_and_portable_graphs_of_the_package_agree_through_the_daemon()
    {
        // The portable graph as its own package: same weights file, no custom op.
        var portable = Directory.CreateDirectory(_dir.File("portable")).FullName;
        foreach (var f in new[] { "model.portable.onnx", "model.weights", "domain_reference.json" })
            File.Copy(Path.Combine(Package, f), Path.Combine(portable, f));
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(Package, "model.json")))!;
        manifest["onnx"]!["file"] = "model.portable.onnx";
        manifest["onnx"]!["sha256"] = Convert.ToHexStringLower(
            System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(Path.Combine(portable, "model.portable.onnx"))));
        manifest["custom_op"] = null;
        File.WriteAllText(Path.Combine(portable, "model.json"), manifest.ToJsonString());

        using var fused = SegmentationSession.Create(PackageDirectory.Load(Package), Settings);
        using var standard = SegmentationSession.Create(PackageDirectory.Load(portable), Settings);
        foreach (var domain in new[] { Domain.Clear, Domain.Night })
        {
            var (bgr, _) = Frame(fused.Width, fused.Height, domain);
            var a = Segment(fused, bgr);
            var b = Segment(standard, bgr);
            var same = Enumerable.Range(0, a.Length).Count(i => a[i] == b[i]) / (double)a.Length;
            Assert.True(same >= 0.999, $"{domain}: fused and portable labels agree on {same:P3} of pixels");
            Assert.Equal(fused.Buffers.Embedding.ToArray(), standard.Buffers.Embedding.ToArray(), (x, y) => Math.Abs(x - y) <= 1e-4f);
        }
    }

    [Fact]
    public async Task Quick_start_run_uses_the_bundled_model_with_the_op_library_beside_the_executable()
    {
        // No --model, no custom_op_library: what `./build.sh demo` runs (the build output carries libmfuser_ops.so).
        Assert.True(File.Exists(Path.Combine(AppContext.BaseDirectory, "libmfuser_ops.so")), "libmfuser_ops.so is not beside the built executable");
        var p = await EdgeProcess.RunAsync(["run", "--max-frames", "2", "--source", "synthetic://drive"],
            new Dictionary<string, string> { ["MFUSER_BROKER_EMBEDDED_PORT"] = FreePort.Next().ToString(), ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" },
            timeoutS: 120);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.Contains("mfuser-tiny-synth", p.Stdout + p.Stderr);
    }

    public void Dispose() => _dir.Dispose();
}
