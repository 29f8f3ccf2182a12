using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Xunit.Abstractions;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Export;

/// <summary>The whole MFuser graph (tiny preset, random weights) through ONNX Runtime.</summary>
public class MFuserGraphTests(ITestOutputHelper output)
{
    internal sealed record Outputs(byte[] Labels, byte[] Confidence, float[] Embedding, float[] Logits);

    internal static Outputs Run(byte[] model, MFuserConfig cfg, byte[] image, string? customOpLibrary = null)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 2 };
        if (customOpLibrary is not null) options.RegisterCustomOpLibrary(customOpLibrary);
        using var session = new InferenceSession(model, options);
        return Run(session, cfg, image);
    }

    /// <summary>Runs a model file (external data resolved next to it).</summary>
    internal static Outputs RunFile(string path, MFuserConfig cfg, byte[] image)
    {
        using var session = new InferenceSession(path);
        return Run(session, cfg, image);
    }

    private static Outputs Run(InferenceSession session, MFuserConfig cfg, byte[] image)
    {
        using var results = session.Run([OrtRunner.Input(ModelIo.Image, image, 1, cfg.ImageHeight, cfg.ImageWidth, 3)]);
        T[] Get<T>(string name) => ((Tensor<T>)results.First(r => r.Name == name).Value).ToArray();
        return new Outputs(Get<byte>(ModelIo.Labels), Get<byte>(ModelIo.Confidence), Get<float>(ModelIo.Embedding), Get<float>(ModelIo.Logits));
    }

    internal static byte[] Image(MFuserConfig cfg, int seed)
    {
        // smooth gradients plus noise: structured enough to give the random model varied labels
        var rng = new Random(seed);
        var image = new byte[cfg.ImageHeight * cfg.ImageWidth * 3];
        for (var y = 0; y < cfg.ImageHeight; y++)
        for (var x = 0; x < cfg.ImageWidth; x++)
        for (var c = 0; c < 3; c++)
            image[(y * cfg.ImageWidth + x) * 3 + c] =
                (byte)Math.Clamp(128 + 100 * Math.Sin((x * (c + 1) + y * (3 - c)) / 40.0) + rng.Next(-20, 21), 0, 255);
        return image;
    }

    private static byte[] Export(MFuserConfig cfg, ScanVariant variant, int seed = 1) =>
        ModelFile.ToBytes(MFuserGraphWriter.Write(cfg, new RandomWeights(seed), variant).ToModel());

    /// <summary>
    /// Random models often label almost every pixel with one class; the parity test below would be vacuous on such a
    /// map, so it asserts that its own label map is varied (true for the fixed seed and image used here).
    /// </summary>
    private static void AssertVariedLabels(byte[] labels)
    {
        var shares = labels.GroupBy(l => l).Select(grp => grp.Count() / (double)labels.Length).OrderDescending().ToArray();
        Assert.True(shares.Count(s => s >= 0.05) >= 2, $"label shares: {string.Join(", ", shares.Select(s => s.ToString("P1")))}");
    }

    [Fact]
    public void Tiny_portable_graph_runs_with_the_contract_outputs()
    {
        var cfg = MFuserPresets.Tiny();
        var lines = new List<string>();
        var g = MFuserGraphWriter.Write(cfg, new RandomWeights(1), ScanVariant.Portable, progress: lines.Add);
        var model = g.ToModel();
        Assert.Equal(["image"], model.Graph.Input.Select(i => i.Name).ToArray());
        Assert.Equal([ModelIo.Labels, ModelIo.Confidence, ModelIo.Embedding, ModelIo.Logits], model.Graph.Output.Select(o => o.Name).ToArray());

        var o = Run(ModelFile.ToBytes(model), cfg, Image(cfg, 3));
        Assert.Equal(cfg.ImageHeight * cfg.ImageWidth, o.Labels.Length);
        Assert.Equal(cfg.NumClasses * 16 * cfg.GridH * cfg.GridW, o.Logits.Length);
        Assert.Equal(cfg.EmbedDim, o.Embedding.Length);
        Assert.All(o.Logits, v => Assert.True(float.IsFinite(v)));
        Assert.All(o.Labels, l => Assert.InRange(l, 0, cfg.NumClasses - 1));
        Assert.True(o.Labels.Distinct().Count() > 1, "labels are one class everywhere");
        Assert.Contains(lines, l => l == $"backbone block {cfg.Depth}/{cfg.Depth}");
    }

    [Fact]
    public void Fused_and_portable_models_agree_on_logits_and_labels()
    {
        var cfg = MFuserPresets.Tiny();
        var image = Image(cfg, 4);
        var fused = Run(Export(cfg, ScanVariant.Fused), cfg, image, NativeOps.LibraryPath());
        var portable = Run(Export(cfg, ScanVariant.Portable), cfg, image);
        AssertVariedLabels(portable.Labels);

        var logitsError = fused.Logits.Zip(portable.Logits, (a, b) => Math.Abs(a - b)).Max();
        var labelAgreement = fused.Labels.Zip(portable.Labels, (a, b) => a == b ? 1.0 : 0.0).Average();
        var embeddingError = fused.Embedding.Zip(portable.Embedding, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"fused vs portable (tiny, random weights): logits max-abs {logitsError:E2}, labels agree {labelAgreement:P4}, embedding " +
                         $"max-abs {embeddingError:E2}");
        Assert.True(logitsError <= 1e-4, $"logits max-abs difference {logitsError:E2} > 1e-4");
        Assert.True(labelAgreement >= 0.999, $"labels agree on {labelAgreement:P3} of pixels (< 99.9%)");
        Assert.True(embeddingError <= 1e-4, $"embedding max-abs difference {embeddingError:E2}");
    }

    [Fact]
    public void A_two_layer_context_decoder_folds_layer_0_and_keeps_layer_1_as_ops_in_both_variants()
    {
        // layer 0's text branch is computed at export; layer 1's depends on the image and stays in the graph
        var tiny = MFuserPresets.Tiny();
        var cfg = tiny with { ContextDecoder = tiny.ContextDecoder with { Layers = 2 } };
        var image = Image(cfg, 6);
        var portableModel = MFuserGraphWriter.Write(cfg, new RandomWeights(1), ScanVariant.Portable).ToModel();
        Assert.Contains(portableModel.Graph.Initializer, t => t.Name == "context_decoder.decoder.0/folded_query");
        Assert.DoesNotContain(portableModel.Graph.Initializer, t => t.Name == "context_decoder.decoder.0.norm1.weight");
        Assert.Contains(portableModel.Graph.Initializer, t => t.Name == "context_decoder.decoder.1.norm1.weight");

        var fused = Run(Export(cfg, ScanVariant.Fused), cfg, image, NativeOps.LibraryPath());
        var portable = Run(ModelFile.ToBytes(portableModel), cfg, image);
        var logitsError = fused.Logits.Zip(portable.Logits, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(logitsError <= 1e-4, $"logits max-abs difference {logitsError:E2} > 1e-4");
        Assert.All(portable.Logits, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Baseline_variants_of_the_architecture_export_and_run()
    {
        var tiny = MFuserPresets.Tiny();
        foreach (var baseline in new[] { "vfm-only", "attention" })
        {
            var cfg = MFuserPresets.WithBaseline(tiny, baseline);
            var o = Run(Export(cfg, ScanVariant.Portable), cfg, Image(cfg, 5));
            Assert.All(o.Logits, v => Assert.True(float.IsFinite(v), $"{baseline}: non-finite logit"));
        }
    }
}
