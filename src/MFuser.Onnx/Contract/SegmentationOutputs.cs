using MFuser.Onnx.Graph;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Contract;

/// <summary>What the per-class scores of a segmentation head are, which decides how they become probabilities.</summary>
public enum ScoreKind
{
    /// <summary>Unnormalised logits: class probabilities are their softmax.</summary>
    Logits,

    /// <summary>Mask2Former semantic scores, Σ_q p_q(c) · sigmoid(mask_q) ≥ 0: class probabilities are the scores
    /// divided by their sum over classes (a softmax of values in [0, 1] would flatten every pixel to ~1/C).</summary>
    MaskScores,
}

/// <summary>
/// The contract's output stage: per-class scores [1, C, h, w] are resized bilinearly to the input resolution, then
/// <c>labels</c> = uint8 arg-max class, <c>confidence</c> = uint8 round(255 · max class probability) (see
/// <see cref="ScoreKind"/>); <c>embedding</c> [1, E] float32 passes through; <c>logits</c> [1, C, h, w] is exposed
/// when asked for.
/// </summary>
public static class SegmentationOutputs
{
    public static void Emit(GraphBuilder g, Value classScores, int classes, int scoreHeight, int scoreWidth,
        Value embedding, int embeddingDim, int imageHeight, int imageWidth, bool includeLogits, ScoreKind kind = ScoreKind.Logits)
    {
        if (classes is < 1 or > 255) throw new ArgumentOutOfRangeException(nameof(classes), classes, "uint8 labels hold 1..255 classes");
        Value labels, confidence;
        using (g.Scope("head"))
        {
            var full = scoreHeight == imageHeight && scoreWidth == imageWidth
                ? classScores
                : g.ResizeBilinear(classScores, [1, classes, imageHeight, imageWidth]);
            labels = g.Cast(g.ArgMax(full, axis: 1, keepDims: false), ElementType.UInt8);
            var maxProbability = kind == ScoreKind.Logits
                ? g.ReduceMax(g.Softmax(full, axis: 1), [1], keepDims: false)
                : g.Div(g.ReduceMax(full, [1], keepDims: false), g.Add(g.ReduceSum(full, [1], keepDims: false), g.Scalar(1e-6f)));
            confidence = g.Cast(g.Round(g.Mul(maxProbability, g.Scalar(255f))), ElementType.UInt8);
        }
        g.Output(labels, ModelIo.Labels, 1, imageHeight, imageWidth);
        g.Output(confidence, ModelIo.Confidence, 1, imageHeight, imageWidth);
        g.Output(embedding, ModelIo.Embedding, 1, embeddingDim);
        if (includeLogits) g.Output(classScores, ModelIo.Logits, 1, classes, scoreHeight, scoreWidth);
    }
}
