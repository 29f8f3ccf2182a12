using MFuser.Onnx.Graph;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Contract;

/// <summary>
/// The contract's input stage inside the graph: uint8 BGR NHWC <c>image</c> [1, H, W, 3] → float32 RGB NCHW
/// [1, 3, H, W], normalised per channel as (x − mean) / std with mean/std in 0..255 pixel units, RGB order.
/// Doing this in the graph keeps per-pixel float work off the device CPU (TensorRT fuses it on the GPU).
/// </summary>
public static class ImagePreprocessing
{
    /// <summary>OpenAI-CLIP statistics used by MFuser's data pipeline (×255, RGB).</summary>
    public static readonly float[] ClipMean = [122.771f, 116.746f, 104.094f];
    public static readonly float[] ClipStd = [68.501f, 66.632f, 70.323f];

    /// <summary>Declares the <c>image</c> input and returns the normalised RGB NCHW tensor; with an
    /// <paramref name="alignment"/>, each frame's channel statistics are first moved to the source domain's.</summary>
    public static Value Emit(GraphBuilder g, int height, int width, IReadOnlyList<float> meanRgb, IReadOnlyList<float> stdRgb,
        InputAlignment? alignment = null)
    {
        if (meanRgb.Count != 3 || stdRgb.Count != 3)
            throw new ArgumentException($"mean/std need 3 RGB values, got {meanRgb.Count}/{stdRgb.Count}");
        if (stdRgb.Any(s => !(s > 0))) throw new ArgumentException($"std must be positive, got [{string.Join(", ", stdRgb)}]");
        alignment?.Validate();
        var image = g.Input(ModelIo.Image, ElementType.UInt8, 1, height, width, 3);
        using var _ = g.Scope("preprocess");
        var x = g.Cast(image, ElementType.Float);
        x = g.Gather(x, g.Ints(2, 1, 0), axis: 3);  // BGR → RGB on the channel axis
        x = alignment is null ? Normalise(g, x, meanRgb, stdRgb) : AlignAndNormalise(g, x, meanRgb, stdRgb, alignment);
        return g.Transpose(x, 0, 3, 1, 2);
    }

    /// <summary>(x − mean)/std as x·(1/std) + (−mean/std): one Mul and one Add on the NHWC tensor.</summary>
    private static Value Normalise(GraphBuilder g, Value x, IReadOnlyList<float> meanRgb, IReadOnlyList<float> stdRgb)
    {
        var scale = new float[3];
        var shift = new float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / stdRgb[c];
            shift[c] = -meanRgb[c] / stdRgb[c];
        }
        return g.Add(g.Mul(x, g.Constant<float>(scale, 3)), g.Constant<float>(shift, 3));
    }

    /// <summary>(x − μ)·(refStd/σ)/std + (refMean − mean)/std with the frame's μ and σ = √(var + floor²) per channel,
    /// as <see cref="PixelNormalisation.Of"/> computes them on the CPU.</summary>
    private static Value AlignAndNormalise(GraphBuilder g, Value x, IReadOnlyList<float> meanRgb, IReadOnlyList<float> stdRgb,
        InputAlignment alignment)
    {
        var centred = g.Sub(x, g.ReduceMean(x, [1, 2]));
        var variance = g.ReduceMean(g.Mul(centred, centred), [1, 2]);
        var spread = g.Sqrt(g.Add(variance, g.Scalar((float)(alignment.Floor * alignment.Floor))));
        var gain = new float[3];
        var shift = new float[3];
        for (var c = 0; c < 3; c++)
        {
            gain[c] = (float)(alignment.Std[c] / stdRgb[c]);
            shift[c] = (float)((alignment.Mean[c] - meanRgb[c]) / stdRgb[c]);
        }
        return g.Add(g.Mul(centred, g.Div(g.Constant<float>(gain, 3), spread)), g.Constant<float>(shift, 3));
    }
}
