using MFuser.Onnx.Contract;
using MFuser.Onnx.Graph;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Contract;

public class ContractStageTests
{
    [Fact]
    public void Preprocessing_turns_uint8_bgr_nhwc_into_normalised_rgb_nchw()
    {
        const int H = 5, W = 7;
        float[] mean = [10f, 20f, 30f], std = [2f, 4f, 8f];
        var g = new GraphBuilder("pre");
        var x = ImagePreprocessing.Emit(g, H, W, mean, std);
        g.Output(x, "x", 1, 3, H, W);
        var rng = new Random(1);
        var image = new byte[H * W * 3];
        rng.NextBytes(image);

        var output = OrtRunner.Run<float>(g.ToModel(), OrtRunner.Input(ModelIo.Image, image, 1, H, W, 3))["x"];

        for (var c = 0; c < 3; c++)
        for (var y = 0; y < H; y++)
        for (var xx = 0; xx < W; xx++)
        {
            var bgr = image[(y * W + xx) * 3 + (2 - c)];  // RGB channel c sits at BGR index 2−c
            var expected = (bgr - mean[c]) / std[c];
            Assert.Equal(expected, output[0, c, y, xx], 4);
        }
    }

    [Fact]
    public void Preprocessing_rejects_bad_statistics()
    {
        var error = Assert.Throws<ArgumentException>(() => ImagePreprocessing.Emit(new GraphBuilder("p"), 4, 4, [0, 0, 0], [1, 0, 1]));
        Assert.Contains("std", error.Message);
    }

    [Fact]
    public void Head_gives_argmax_labels_rounded_softmax_confidence_and_passes_embedding_and_logits()
    {
        const int C = 4, H = 3, W = 5, E = 6;
        var (outputs, scores, embedding) = RunHead(C, H, W, H, W, E, seed: 2);
        var labels = outputs.Bytes["labels"];
        var confidence = outputs.Bytes["confidence"];
        for (var y = 0; y < H; y++)
        for (var x = 0; x < W; x++)
        {
            var column = Enumerable.Range(0, C).Select(c => (double)scores[(c * H + y) * W + x]).ToArray();
            var best = Array.IndexOf(column, column.Max());
            var sum = column.Sum(v => Math.Exp(v - column.Max()));
            Assert.Equal(best, labels[0, y, x]);
            Assert.Equal(Math.Round(255 / sum, MidpointRounding.ToEven), confidence[0, y, x], 0.51);
        }
        Assert.Equal(embedding, outputs.Floats["embedding"].ToArray());
        Assert.Equal(scores, outputs.Floats["logits"].ToArray());
        Assert.Equal([1, H, W], labels.Dimensions.ToArray());
    }

    [Fact]
    public void Mask_scores_give_confidence_as_the_normalised_maximum_not_a_flattened_softmax()
    {
        const int C = 19, H = 3, W = 4, E = 2;
        var (outputs, scores, _) = RunHead(C, H, W, H, W, E, seed: 5, ScoreKind.MaskScores);
        var confidence = outputs.Bytes["confidence"];
        for (var y = 0; y < H; y++)
        for (var x = 0; x < W; x++)
        {
            var column = Enumerable.Range(0, C).Select(c => (double)scores[(c * H + y) * W + x]).ToArray();
            Assert.Equal(Math.Round(255 * column.Max() / (column.Sum() + 1e-6), MidpointRounding.ToEven), confidence[0, y, x], 0.51);
        }
        // One class clearly ahead: the normalised score says so, where a softmax over [0, 1] scores would give ~13 %.
        var peaked = Enumerable.Repeat(0.01f, C).ToArray();
        peaked[7] = 0.9f;
        var g = new GraphBuilder("peak");
        SegmentationOutputs.Emit(g, g.Input("scores", ElementType.Float, 1, C, 1, 1), C, 1, 1, g.Input("emb", ElementType.Float, 1, 1), 1, 1, 1,
            includeLogits: false, ScoreKind.MaskScores);
        var bytes = ModelFile.ToBytes(g.ToModel());
        var peak = OrtRunner.Run<byte>(bytes, null, OrtRunner.Input("scores", peaked, 1, C, 1, 1), OrtRunner.Input("emb", new[] { 0f }, 1, 1));
        Assert.Equal(7, peak["labels"][0, 0, 0]);
        Assert.InRange((int)peak["confidence"][0, 0, 0], 210, 215); // 255 · 0.9 / 1.08
    }

    [Fact]
    public void Head_upsamples_scores_bilinearly_to_the_image_like_torch_align_corners_false()
    {
        const int C = 3, h = 4, w = 4, H = 10, W = 9;
        var (outputs, scores, _) = RunHead(C, h, w, H, W, 2, seed: 3);
        var labels = outputs.Bytes["labels"];
        for (var y = 0; y < H; y++)
        for (var x = 0; x < W; x++)
        {
            var up = Enumerable.Range(0, C).Select(c => Bilinear(scores, c, h, w, y, x, H, W)).ToArray();
            var sorted = up.OrderDescending().ToArray();
            if (sorted[0] - sorted[1] < 1e-4) continue;  // near-ties may flip under fp32
            Assert.Equal(Array.IndexOf(up, sorted[0]), labels[0, y, x]);
        }
        Assert.False(outputs.Floats.ContainsKey("logits"));
    }

    /// <summary>torch.nn.functional.interpolate(mode="bilinear", align_corners=False) for one output pixel.</summary>
    private static double Bilinear(float[] s, int c, int h, int w, int y, int x, int H, int W)
    {
        static (int, int, double) Axis(int o, int inSize, int outSize)
        {
            var src = Math.Max((o + 0.5) * inSize / outSize - 0.5, 0);
            var i0 = Math.Min((int)Math.Floor(src), inSize - 1);
            var i1 = Math.Min(i0 + 1, inSize - 1);
            return (i0, i1, src - i0);
        }
        var (y0, y1, fy) = Axis(y, h, H);
        var (x0, x1, fx) = Axis(x, w, W);
        double At(int yy, int xx) => s[(c * h + yy) * w + xx];
        return (1 - fy) * ((1 - fx) * At(y0, x0) + fx * At(y0, x1)) + fy * ((1 - fx) * At(y1, x0) + fx * At(y1, x1));
    }

    private sealed record HeadOutputs(
        Dictionary<string, Microsoft.ML.OnnxRuntime.Tensors.Tensor<byte>> Bytes,
        Dictionary<string, Microsoft.ML.OnnxRuntime.Tensors.Tensor<float>> Floats);

    private static (HeadOutputs, float[] Scores, float[] Embedding) RunHead(int C, int h, int w, int H, int W, int E, int seed,
        ScoreKind kind = ScoreKind.Logits)
    {
        var g = new GraphBuilder("head");
        var scoresIn = g.Input("scores", ElementType.Float, 1, C, h, w);
        var embIn = g.Input("emb", ElementType.Float, 1, E);
        SegmentationOutputs.Emit(g, scoresIn, C, h, w, embIn, E, H, W, includeLogits: H == h, kind);
        var rng = new Random(seed);
        var scores = Enumerable.Range(0, C * h * w)
            .Select(_ => (float)(kind == ScoreKind.Logits ? rng.NextDouble() * 6 - 3 : rng.NextDouble())).ToArray();
        var embedding = Enumerable.Range(0, E).Select(_ => (float)rng.NextDouble()).ToArray();
        var bytes = ModelFile.ToBytes(g.ToModel());
        var inputs = new[] { OrtRunner.Input("scores", scores, 1, C, h, w), OrtRunner.Input("emb", embedding, 1, E) };
        return (new HeadOutputs(OrtRunner.Run<byte>(bytes, null, inputs), OrtRunner.Run<float>(bytes, null, inputs)), scores, embedding);
    }
}
