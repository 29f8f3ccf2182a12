using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Contract;

/// <summary>
/// A small model that honours the full I/O contract without the MFuser network: average-pooled normalised image
/// (÷<c>stride</c>) → 1×1 conv to per-class scores → contract head; <c>embedding</c> = global mean colour projected
/// to <c>embeddingDim</c>. Optionally one selective scan (any variant) over the pooled pixels, so daemon tests can
/// exercise the custom-op path. For daemon tests and pipeline benchmarks, not for segmentation.
/// </summary>
public static class ContractProbeModel
{
    public static ModelProto Build(int height, int width, int classes = 19, int embeddingDim = 16, int stride = 4,
        ScanVariant? scan = null, bool includeLogits = true, int seed = 1)
    {
        if (height % stride != 0 || width % stride != 0)
            throw new ArgumentException($"image {height}x{width} must be a multiple of stride {stride}");
        var g = new GraphBuilder("contract-probe");
        var rng = new Random(seed);
        float[] RandomArray(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        var x = ImagePreprocessing.Emit(g, height, width, ImagePreprocessing.ClipMean, ImagePreprocessing.ClipStd);
        long h = height / stride, w = width / stride;
        var pooled = g.Node("AveragePool", [x], attributes: [Attr.Ints("kernel_shape", stride, stride), Attr.Ints("strides", stride, stride)]);
        if (scan is { } variant)
        {
            // channels as scan channels, pixels as the sequence: u = delta = pooled colour; B = C = ones
            var u = g.Reshape(pooled, 1, 3, h * w);
            var ones = g.Constant<float>(Enumerable.Repeat(1f, (int)(4 * h * w)).ToArray(), 1, 1, 4, h * w);
            var a = g.Constant<float>(RandomArray(12, 1).Select(v => -1 - Math.Abs(v)).ToArray(), 3, 4);
            var y = SelectiveScan.Emit(g, variant, new ScanInputs(u, u, a, ones, ones), new(1, 3, (int)(h * w), 4)).Y;
            pooled = g.Add(pooled, g.Mul(g.Reshape(y, 1, 3, h, w), g.Scalar(0.1f)));
        }
        var scores = g.Conv(pooled, g.Constant<float>(RandomArray(classes * 3, 2), classes, 3, 1, 1),
            g.Constant<float>(RandomArray(classes, 0.5), classes), [1, 1], [1, 1], [0, 0, 0, 0]);
        var embedding = g.MatMul(g.Reshape(g.ReduceMean(x, [2, 3]), 1, 3), g.Constant<float>(RandomArray(3 * embeddingDim, 1), 3, embeddingDim));
        SegmentationOutputs.Emit(g, scores, classes, (int)h, (int)w, embedding, embeddingDim, height, width, includeLogits);
        return g.ToModel(new Dictionary<string, string> { ["mfuser.name"] = "contract-probe" });
    }
}
