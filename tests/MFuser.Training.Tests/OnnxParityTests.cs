using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using MFuser.Training.Model;
using MFuser.Training.Packaging;
using MFuser.Training.TextPrior;
using MFuser.Training.Learning;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>
/// The exported graph computes what the TorchSharp model computes: a micro variant of the tiny preset, overfitted on one
/// frame so that its label map is varied (≥ 3 classes, asserted), is exported with the fused selective scan (com.mfuser::SelectiveScan,
/// libmfuser_ops.so) and run in ONNX Runtime on that frame. Needs the operator library
/// (<c>./build.sh native</c>, which CI runs first); fails, naming the path, when it is missing.
/// </summary>
public sealed class OnnxParityTests(ITestOutputHelper output)
{
    private const int TrainingSteps = 40;

    [Theory]
    [InlineData("none", "none")]
    [InlineData("minilm", "none")]   // the text prior's table and projection fold into the constant T0
    [InlineData("minilm", "source")] // per-frame input alignment: computed in the graph, on the CPU for TorchSharp
    public void TorchSharp_forward_and_the_fused_ONNX_model_agree(string textPrior, string inputAlign)
    {
        // the micro variant of the tiny preset (same modules, 64×128 input, narrower), cheap enough to overfit in a test
        var cfg = SourceAlignment.Apply(TextPriorProjection.Apply(
            TrainingTests.Micro() with { Fusion = MFuserPresets.Tiny().Fusion with { Dropout = 0 } }, textPrior), inputAlign, new PatternScenes());
        Assert.Equal(inputAlign == "source", cfg.InputAlignment is not null);
        int h = cfg.ImageHeight, w = cfg.ImageWidth;
        var opsLibrary = OpsLibrary.Find();
        set_num_threads(2);
        manual_seed(7);
        using var model = new MFuserModel(cfg);
        // A freshly initialised head gives one class almost everywhere; overfitting one frame makes the label map
        // varied, so the labels check means something.
        var (x, y) = new SceneData(new PatternScenes(), cfg).TrainBatch(runSeed: 5, step: 0, batchSize: 1);
        var opt = optim.AdamW(model.parameters(), lr: 3e-3);
        for (var i = 0; i < TrainingSteps; i++)
        {
            using var scope = NewDisposeScope();
            opt.zero_grad();
            Losses.Compute(model.call(x), y, cfg.NumClasses, new LossWeights()).Total.backward();
            opt.step();
        }
        model.eval();
        var checkpoint = Path.Combine(Path.GetTempPath(), $"mfuser-parity-{Guid.NewGuid():N}.safetensors");
        model.save_safetensors(checkpoint);
        try
        {
            // the training frame (unflipped), BGR bytes as the daemon feeds them
            var image = new byte[h * w * 3];
            new PatternScenes().Render(SceneData.TrainSeed(runSeed: 5, step: 0, index: 0, batchSize: 1), MFuser.Scenes.Domain.Clear, w, h,
                image, new byte[h * w]);

            // ONNX Runtime, fused scan, against TorchSharp on the same BGR bytes
            byte[] onnx;
            using (var file = new SafetensorsFile(checkpoint))
                onnx = ModelFile.ToBytes(MFuserGraphWriter.Write(cfg, FoldedTextPrior.Wrap(cfg, new CheckpointWeights(file)), ScanVariant.Fused)
                    .ToModel());
            using var options = new SessionOptions { IntraOpNumThreads = 2 };
            options.RegisterCustomOpLibrary(opsLibrary);
            using var session = new InferenceSession(onnx, options);
            var parity = ExportParity.Measure(model, cfg, session, [image]);
            output.WriteLine(parity.ToString());
            Assert.True(parity.Classes >= 3, $"the label map has only {parity.Classes} class(es): the labels comparison would say little");
            var (logitError, embeddingError, agreement) = (parity.LogitsMaxAbs, parity.EmbeddingMaxAbs, parity.LabelAgreement);
            Assert.True(logitError <= 1e-4, $"logits max-abs error {logitError:E3} > 1e-4");
            Assert.True(embeddingError <= 1e-4, $"embedding max-abs error {embeddingError:E3} > 1e-4");
            Assert.True(agreement >= 0.999, $"labels agree on {agreement:P3} of pixels, need ≥ 99.9 %");
        }
        finally
        {
            File.Delete(checkpoint);
        }
    }
}
