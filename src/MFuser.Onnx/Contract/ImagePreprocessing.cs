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

    /// <summary>Declares the <c>image</c> input and returns the normalised RGB NCHW tensor.</summary>
    public static Value Emit(GraphBuilder g, int height, int width, IReadOnlyList<float> meanRgb, IReadOnlyList<float> stdRgb)
    {
        if (meanRgb.Count != 3 || stdRgb.Count != 3)
            throw new ArgumentException($"mean/std need 3 RGB values, got {meanRgb.Count}/{stdRgb.Count}");
        if (stdRgb.Any(s => !(s > 0))) throw new ArgumentException($"std must be positive, got [{string.Join(", ", stdRgb)}]");
        var image = g.Input(ModelIo.Image, ElementType.UInt8, 1, height, width, 3);
        using var _ = g.Scope("preprocess");
        var x = g.Cast(image, ElementType.Float);
        x = g.Gather(x, g.Ints(2, 1, 0), axis: 3);  // BGR → RGB on the channel axis
        // (x − mean)/std as x·(1/std) + (−mean/std): one Mul and one Add on the NHWC tensor.
        var scale = new float[3];
        var shift = new float[3];
        for (var c = 0; c < 3; c++)
        {
            scale[c] = 1f / stdRgb[c];
            shift[c] = -meanRgb[c] / stdRgb[c];
        }
        x = g.Add(g.Mul(x, g.Constant<float>(scale, 3)), g.Constant<float>(shift, 3));
        return g.Transpose(x, 0, 3, 1, 2);
    }
}
