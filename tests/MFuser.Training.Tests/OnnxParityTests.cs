using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using MFuser.Training.Model;
using MFuser.Training.Packaging;
using MFuser.Training.Training;
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

    [Fact]
    public void TorchSharp_forward_and_the_fused_ONNX_model_agree()
    {
        // the micro variant of the tiny preset (same modules, 64×128 input, narrower), cheap enough to overfit in a test
        var cfg = TrainingTests.Micro() with { Fusion = MFuserPresets.Tiny().Fusion with { Dropout = 0 } };
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
            new PatternScenes().Render(SceneData.TrainSeed(runSeed: 5, step: 0, index: 0, batchSize: 1), MFuser.Scenes.Domain.Clear, w, h, image, new byte[h * w]);

            // TorchSharp, with the graph's own preprocessing in float32: BGR → RGB, x·(1/std) + (−mean/std)
            var input = new float[3 * h * w];
            for (var c = 0; c < 3; c++)
            {
                float scale = 1f / (float)cfg.PixelStd[c], shift = -(float)cfg.PixelMean[c] / (float)cfg.PixelStd[c];
                for (var i = 0; i < h * w; i++) input[c * h * w + i] = image[i * 3 + (2 - c)] * scale + shift;
            }
            float[] torchLogits, torchEmbedding;
            long[] torchLabels;
            using (no_grad())
            {
                var o = model.forward(tensor(input, [1, 3, h, w]));
                torchLogits = o.SegLogits.contiguous().data<float>().ToArray();
                torchEmbedding = o.Embedding.contiguous().data<float>().ToArray();
                var up = nn.functional.interpolate(o.SegLogits, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
                torchLabels = up.argmax(1).contiguous().data<long>().ToArray();
            }
            var classes = torchLabels.Distinct().Count();
            Assert.True(classes >= 3, $"the label map has only {classes} class(es): the labels comparison would say little");

            // ONNX Runtime, fused scan
            byte[] onnx;
            using (var file = new SafetensorsFile(checkpoint))
                onnx = ModelFile.ToBytes(MFuserGraphWriter.Write(cfg, new CheckpointWeights(file), ScanVariant.Fused).ToModel());
            using var options = new SessionOptions { IntraOpNumThreads = 2 };
            options.RegisterCustomOpLibrary(opsLibrary);
            using var session = new InferenceSession(onnx, options);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("image", new DenseTensor<byte>(image, [1, h, w, 3]))]);
            var logits = results.First(r => r.Name == "logits").AsTensor<float>().ToArray();
            var embedding = results.First(r => r.Name == "embedding").AsTensor<float>().ToArray();
            var labels = results.First(r => r.Name == "labels").AsTensor<byte>().ToArray();

            Assert.Equal(torchLogits.Length, logits.Length);
            Assert.Equal(torchEmbedding.Length, embedding.Length);
            var logitError = logits.Zip(torchLogits, (a, b) => Math.Abs(a - b)).Max();
            var embeddingError = embedding.Zip(torchEmbedding, (a, b) => Math.Abs(a - b)).Max();
            var agreement = labels.Zip(torchLabels, (a, b) => a == b ? 1.0 : 0).Average();
            output.WriteLine($"logits max-abs {logitError:E2} (range {torchLogits.Min():F2} … {torchLogits.Max():F2}), " +
                             $"embedding max-abs {embeddingError:E2}, labels agree {agreement:P4} ({classes} classes)");
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
