using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Training.Model;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using static TorchSharp.torch;

namespace MFuser.Training.Packaging;

/// <summary>How far an exported graph is from the TorchSharp model it was written from, over some frames.</summary>
/// <param name="LogitsMaxAbs">Largest |logit difference| over all frames (the graph's optional <c>logits</c> output).</param>
/// <param name="LabelAgreement">Fraction of pixels whose arg-max class agrees (the graph's <c>labels</c> vs TorchSharp's
/// bilinearly upsampled logits).</param>
/// <param name="Classes">Distinct classes in TorchSharp's label maps: a check on few classes says little.</param>
public sealed record ParityResult(int Frames, double LogitsMaxAbs, double EmbeddingMaxAbs, double LabelAgreement, int Classes)
{
    /// <summary>The graph file that was compared (set by the caller).</summary>
    public string Variant { get; init; } = "";

    public override string ToString() =>
        $"{Frames} frame(s): logits max-abs {LogitsMaxAbs:E1}, embedding max-abs {EmbeddingMaxAbs:E1}, labels agree on {LabelAgreement:P3} of " +
        $"pixels ({Classes} classes)";
}

/// <summary>
/// Runs BGR frames, as the daemon feeds them, through the TorchSharp model (with the graph's own preprocessing in
/// float32: BGR → RGB, x·(1/std) − mean/std) and through an ONNX Runtime session of the exported graph, and compares
/// logits, embedding and labels. Used by <c>mfuser-train export</c> on every package and by the parity test.
/// </summary>
public static class ExportParity
{
    public static ParityResult Measure(MFuserModel model, MFuserConfig cfg, InferenceSession session, IEnumerable<byte[]> images)
    {
        int h = cfg.ImageHeight, w = cfg.ImageWidth;
        model.eval();
        double logitsError = 0, embeddingError = 0;
        long agree = 0, pixels = 0;
        var frames = 0;
        var classes = new HashSet<long>();
        foreach (var image in images)
        {
            if (image.Length != h * w * 3)
                throw new ArgumentException($"frame of {image.Length} bytes; the model takes {h}x{w}x3");
            float[] torchLogits, torchEmbedding;
            long[] torchLabels;
            using (var scope = NewDisposeScope())
            using (no_grad())
            {
                var o = model.forward(tensor(Normalise(image, cfg), [1, 3, h, w]));
                torchLogits = o.SegLogits.contiguous().data<float>().ToArray();
                torchEmbedding = o.Embedding.contiguous().data<float>().ToArray();
                var up = nn.functional.interpolate(o.SegLogits, [h, w], mode: InterpolationMode.Bilinear, align_corners: false);
                torchLabels = up.argmax(1).contiguous().data<long>().ToArray();
            }
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("image", new DenseTensor<byte>(image, [1, h, w, 3]))]);
            var logits = results.First(r => r.Name == "logits").AsTensor<float>().ToArray();
            var embedding = results.First(r => r.Name == "embedding").AsTensor<float>().ToArray();
            var labels = results.First(r => r.Name == "labels").AsTensor<byte>().ToArray();
            if (logits.Length != torchLogits.Length || embedding.Length != torchEmbedding.Length || labels.Length != torchLabels.Length)
                throw new InvalidOperationException($"output sizes differ: logits {logits.Length} vs {torchLogits.Length}, " +
                                                    $"embedding {embedding.Length} vs {torchEmbedding.Length}");
            logitsError = Math.Max(logitsError, MaxAbs(logits, torchLogits));
            embeddingError = Math.Max(embeddingError, MaxAbs(embedding, torchEmbedding));
            for (var i = 0; i < labels.Length; i++)
                if (labels[i] == torchLabels[i]) agree++;
            pixels += labels.Length;
            classes.UnionWith(torchLabels);
            frames++;
        }
        return new ParityResult(frames, logitsError, embeddingError, pixels == 0 ? double.NaN : agree / (double)pixels, classes.Count);
    }

    private static float[] Normalise(byte[] bgr, MFuserConfig cfg)
    {
        int w = cfg.ImageWidth, n = cfg.ImageHeight * w;
        var input = new float[3 * n];
        var (scale, shift) = PixelNormalisation.Of(bgr, w, w, cfg.ImageHeight, cfg.PixelMean, cfg.PixelStd, cfg.InputAlignment);
        PixelNormalisation.ToPlanes(bgr, n, input, scale, shift);
        return input;
    }

    private static double MaxAbs(float[] a, float[] b)
    {
        double m = 0;
        for (var i = 0; i < a.Length; i++) m = Math.Max(m, Math.Abs(a[i] - b[i]));
        return m;
    }
}
