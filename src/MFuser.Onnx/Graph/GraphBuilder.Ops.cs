using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Graph;

/// <summary>Typed helpers for the standard ONNX ops MFuser graphs use (default domain, opset 18).</summary>
public sealed partial class GraphBuilder
{
    // ---- elementwise ----
    public Value Add(Value a, Value b) => Node("Add", [a, b]);
    public Value Sub(Value a, Value b) => Node("Sub", [a, b]);
    public Value Mul(Value a, Value b) => Node("Mul", [a, b]);
    public Value Div(Value a, Value b) => Node("Div", [a, b]);
    public Value Neg(Value x) => Node("Neg", [x]);
    public Value Exp(Value x) => Node("Exp", [x]);
    public Value Sqrt(Value x) => Node("Sqrt", [x]);
    public Value Reciprocal(Value x) => Node("Reciprocal", [x]);
    public Value Sigmoid(Value x) => Node("Sigmoid", [x]);
    public Value Erf(Value x) => Node("Erf", [x]);
    public Value Relu(Value x) => Node("Relu", [x]);
    public Value Round(Value x) => Node("Round", [x]);
    public Value Less(Value a, Value b) => Node("Less", [a, b], ElementType.Bool);
    public Value Not(Value x) => Node("Not", [x], ElementType.Bool);
    public Value Where(Value condition, Value whenTrue, Value whenFalse) => Node("Where", [condition, whenTrue, whenFalse], whenTrue.Type);
    public Value Cast(Value x, ElementType to) => Node("Cast", [x], to, attributes: Attr.Int("to", (long)to));

    /// <summary>x · sigmoid(x).</summary>
    public Value Silu(Value x) => Mul(x, Sigmoid(x));

    /// <summary>Exact (erf) GELU: 0.5·x·(1 + erf(x/√2)), as torch's default GELU.</summary>
    public Value Gelu(Value x) =>
        Mul(Mul(x, Scalar(0.5f)), Add(Erf(Mul(x, Scalar((float)(1 / Math.Sqrt(2))))), Scalar(1f)));

    // ---- linear algebra ----
    public Value MatMul(Value a, Value b) => Node("MatMul", [a, b]);

    /// <summary>Gemm with optional bias: alpha·A·op(B) + C.</summary>
    public Value Gemm(Value a, Value b, Value? c = null, bool transB = false) =>
        Node("Gemm", c is { } bias ? [a, b, bias] : [a, b], attributes: Attr.Int("transB", transB ? 1 : 0));

    public Value Conv(Value x, Value weight, Value? bias, long[] kernel, long[] strides, long[] pads, long group = 1, long[]? dilations = null)
    {
        var attrs = new List<AttributeProto>
        {
            Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides), Attr.Ints("pads", pads), Attr.Int("group", group),
        };
        if (dilations is not null) attrs.Add(Attr.Ints("dilations", dilations));
        return Node("Conv", bias is { } b ? [x, weight, b] : [x, weight], attributes: [.. attrs]);
    }

    public Value ConvTranspose(Value x, Value weight, Value? bias, long[] kernel, long[] strides, long group = 1) =>
        Node("ConvTranspose", bias is { } b ? [x, weight, b] : [x, weight],
            attributes: [Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides), Attr.Int("group", group)]);

    // ---- normalisation ----
    public Value LayerNorm(Value x, Value scale, Value? bias, float epsilon, long axis = -1) =>
        Node("LayerNormalization", bias is { } b ? [x, scale, b] : [x, scale],
            attributes: [Attr.Int("axis", axis), Attr.Float("epsilon", epsilon)]);

    public Value Softmax(Value x, long axis) => Node("Softmax", [x], attributes: Attr.Int("axis", axis));

    // ---- reductions (opset 18: axes as an input) ----
    public Value ReduceSum(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceSum", x, axes, keepDims);
    public Value ReduceMean(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceMean", x, axes, keepDims);
    public Value ReduceMax(Value x, long[] axes, bool keepDims = true) => Reduce("ReduceMax", x, axes, keepDims);

    private Value Reduce(string op, Value x, long[] axes, bool keepDims) =>
        Node(op, [x, Ints(axes)], attributes: Attr.Int("keepdims", keepDims ? 1 : 0));

    public Value ArgMax(Value x, long axis, bool keepDims) =>
        Node("ArgMax", [x], ElementType.Int64, attributes: [Attr.Int("axis", axis), Attr.Int("keepdims", keepDims ? 1 : 0)]);

    // ---- shape ----
    public Value Reshape(Value x, params long[] shape) => Node("Reshape", [x, Ints(shape)]);
    public Value Transpose(Value x, params long[] perm) => Node("Transpose", [x], attributes: Attr.Ints("perm", perm));
    public Value Unsqueeze(Value x, params long[] axes) => Node("Unsqueeze", [x, Ints(axes)]);
    public Value Squeeze(Value x, params long[] axes) => Node("Squeeze", [x, Ints(axes)]);
    public Value Concat(long axis, params Value[] parts) => Node("Concat", parts, attributes: Attr.Int("axis", axis));
    public Value Gather(Value x, Value indices, long axis) => Node("Gather", [x, indices], attributes: Attr.Int("axis", axis));

    /// <summary>Slice [start, end) with optional step along the given axes.</summary>
    public Value Slice(Value x, long[] starts, long[] ends, long[] axes, long[]? steps = null) =>
        Node("Slice", steps is null ? [x, Ints(starts), Ints(ends), Ints(axes)] : [x, Ints(starts), Ints(ends), Ints(axes), Ints(steps)]);

    /// <summary>Slice of one axis.</summary>
    public Value Slice(Value x, long axis, long start, long end) => Slice(x, [start], [end], [axis]);

    /// <summary>Splits <paramref name="x"/> along <paramref name="axis"/> into parts of the given sizes.</summary>
    public Value[] Split(Value x, long axis, params long[] sizes) =>
        NodeN("Split", [x, Ints(sizes)], sizes.Length, attributes: Attr.Int("axis", axis));

    /// <summary>
    /// Constant padding of one axis of a rank-<paramref name="rank"/> tensor, in the form OpenCV DNN's importer reads:
    /// pads for every axis and no <c>axes</c> input (the opset-11 form, still valid at 18), and pads and value as this
    /// node's own initializers. OpenCV turns a constant that an earlier node took as a layer input (e.g. a shared 1.0
    /// in an Add) into a layer and then wires it into Padding as a second data input, which Padding refuses.
    /// </summary>
    public Value Pad(Value x, int rank, int axis, long before, long after, float value = 0f)
    {
        if ((uint)axis >= (uint)rank) throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Pad: axis must be in [0, {rank})");
        var pads = new long[2 * rank];
        pads[axis] = before;
        pads[rank + axis] = after;
        return Node("Pad", [x, PrivateConstant<long>("pads", pads, pads.Length), PrivateConstant<float>("pad_value", [value])],
            attributes: Attr.String("mode", "constant"));
    }

    // ---- resampling / pooling ----
    /// <summary>Bilinear resize to a fixed spatial size, torch's <c>interpolate(..., align_corners=False)</c> (half_pixel).</summary>
    public Value ResizeBilinear(Value x, long[] outputShape) =>
        Node("Resize", [x, Value.Absent, Value.Absent, Ints(outputShape)],
            attributes: [Attr.String("mode", "linear"), Attr.String("coordinate_transformation_mode", "half_pixel")]);

    public Value MaxPool(Value x, long[] kernel, long[] strides) =>
        Node("MaxPool", [x], attributes: [Attr.Ints("kernel_shape", kernel), Attr.Ints("strides", strides)]);
}
