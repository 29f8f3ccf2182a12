using MFuser.Onnx.Graph;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Export;

/// <summary>
/// The nn primitives of the MFuser graph (Linear, LayerNorm, GroupNorm, convolutions, multi-head attention) written
/// as ONNX ops over weights named by their state-dict keys. Batch is 1, so token tensors are 2-D (tokens, channels)
/// and every Linear is one Gemm with the checkpoint's (out, in) weight and transB = 1.
/// </summary>
internal sealed class ModuleWriter(GraphBuilder g, IWeightSource weights)
{
    private readonly Dictionary<string, Value> _params = new(StringComparer.Ordinal);

    public GraphBuilder G => g;

    /// <summary>The initializer for state-dict key <paramref name="key"/> (created on first use).</summary>
    public Value Param(string key, long[] shape, WeightInit init)
    {
        if (_params.TryGetValue(key, out var existing)) return existing;
        var value = g.LazyInitializer(key, () => weights.Read(key, shape, init), shape);
        _params[key] = value;
        return value;
    }

    /// <summary>Values of a parameter read for an export-time computation (not placed in the graph).</summary>
    public float[] ReadValues(string key, long[] shape, WeightInit init) => weights.Read(key, shape, init);

    public static WeightInit FanIn(long fanIn) => new WeightInit.Normal(1 / Math.Sqrt(fanIn));

    /// <summary>Random init of a residual branch's last projection: small, so random models keep token identity.</summary>
    public static WeightInit ResidualBranch(long fanIn) => new WeightInit.Normal(0.2 / Math.Sqrt(fanIn));
    private static readonly WeightInit SmallBias = new WeightInit.Normal(0.02);
    private static readonly WeightInit NormScale = new WeightInit.Constant(1, 0.05);

    /// <summary>nn.Linear on (tokens, in): x Wᵀ + b.</summary>
    public Value Linear(Value x, string prefix, long inFeatures, long outFeatures, bool bias = true, WeightInit? randomInit = null)
    {
        var w = Param($"{prefix}.weight", [outFeatures, inFeatures], randomInit ?? FanIn(inFeatures));
        Value? b = bias ? Param($"{prefix}.bias", [outFeatures], SmallBias) : null;
        return g.Gemm(x, w, b, transB: true);
    }

    /// <summary>Linear with a weight and bias given as values (sliced in-projections, EVA's separate q/v biases).</summary>
    public Value Linear(Value x, Value weight, Value? bias) => g.Gemm(x, weight, bias, transB: true);

    public Value LayerNorm(Value x, string prefix, long dim, float eps) =>
        g.LayerNorm(x, Param($"{prefix}.weight", [dim], NormScale), Param($"{prefix}.bias", [dim], SmallBias), eps);

    /// <summary><see cref="LayerNorm"/> of weight-only values (rows, dim), computed at export (<see cref="WeightMath"/>).</summary>
    public float[] FoldedLayerNorm(float[] x, string prefix, long dim, float eps) =>
        WeightMath.LayerNorm(x, (int)dim, weights.Read($"{prefix}.weight", [dim], NormScale), weights.Read($"{prefix}.bias", [dim], SmallBias), eps);

    /// <summary><see cref="Linear(Value, string, long, long, bool, WeightInit?)"/> of weight-only values, computed at export.</summary>
    public float[] FoldedLinear(float[] x, string prefix, long inFeatures, long outFeatures, bool bias = true) =>
        WeightMath.Linear(x, (int)inFeatures, weights.Read($"{prefix}.weight", [outFeatures, inFeatures], FanIn(inFeatures)), (int)outFeatures,
            bias ? weights.Read($"{prefix}.bias", [outFeatures], SmallBias) : null);

    /// <summary>nn.GroupNorm(groups, C) on (1, C, H, W), biased variance as torch.</summary>
    public Value GroupNorm(Value x, string prefix, long channels, long groups, long h, long w, float eps = 1e-5f)
    {
        using var _ = g.Scope(prefix);
        var grouped = g.Reshape(x, 1, groups, channels / groups * h * w);
        var centred = g.Sub(grouped, g.ReduceMean(grouped, [2]));
        var variance = g.ReduceMean(g.Mul(centred, centred), [2]);
        var normed = g.Reshape(g.Div(centred, g.Sqrt(g.Add(variance, g.Scalar(eps)))), 1, channels, h, w);
        var scale = g.Reshape(Param($"{prefix}.weight", [channels], NormScale), channels, 1, 1);
        var shift = g.Reshape(Param($"{prefix}.bias", [channels], SmallBias), channels, 1, 1);
        return g.Add(g.Mul(normed, scale), shift);
    }

    /// <summary>nn.Conv2d with square kernel, stride and symmetric padding.</summary>
    public Value Conv2d(Value x, string prefix, long inCh, long outCh, long kernel, long stride = 1, long padding = 0, bool bias = true)
    {
        var w = Param($"{prefix}.weight", [outCh, inCh, kernel, kernel], FanIn(inCh * kernel * kernel));
        Value? b = bias ? Param($"{prefix}.bias", [outCh], SmallBias) : null;
        return g.Conv(x, w, b, [kernel, kernel], [stride, stride], [padding, padding, padding, padding]);
    }

    /// <summary>nn.ConvTranspose2d (kernel = stride, no padding), weight (in, out, k, k).</summary>
    public Value ConvTranspose2d(Value x, string prefix, long inCh, long outCh, long kernel, long stride)
    {
        var w = Param($"{prefix}.weight", [inCh, outCh, kernel, kernel], FanIn(inCh));
        var b = Param($"{prefix}.bias", [outCh], SmallBias);
        return g.ConvTranspose(x, w, b, [kernel, kernel], [stride, stride]);
    }

    /// <summary>nn.BatchNorm2d in eval mode (running statistics, eps 1e-5).</summary>
    public Value BatchNorm2d(Value x, string prefix, long channels) =>
        g.Node("BatchNormalization",
            [x, Param($"{prefix}.weight", [channels], NormScale), Param($"{prefix}.bias", [channels], SmallBias),
             Param($"{prefix}.running_mean", [channels], WeightInit.Zeros), Param($"{prefix}.running_var", [channels], WeightInit.Ones)],
            attributes: Attr.Float("epsilon", 1e-5f));

    /// <summary>
    /// softmax(q kᵀ/√d + mask) v per head, on (Lq, C) / (Lk, C) tokens; <paramref name="additiveMask"/> broadcasts to
    /// (heads, Lq, Lk). <paramref name="rope"/> rotates q and k per head before the product.
    /// </summary>
    public Value Attend(Value q, Value k, Value v, long lq, long lk, long channels, long heads, Value? additiveMask = null,
        Func<Value, Value>? rope = null)
    {
        var hd = channels / heads;
        using var _ = g.Scope("sdpa");
        var qh = g.Transpose(g.Reshape(q, lq, heads, hd), 1, 0, 2);    // (H, Lq, hd)
        var kh = g.Transpose(g.Reshape(k, lk, heads, hd), 1, 0, 2);    // (H, Lk, hd)
        var vh = g.Transpose(g.Reshape(v, lk, heads, hd), 1, 0, 2);
        if (rope is not null)
        {
            qh = rope(qh);
            kh = rope(kh);
        }
        var scores = g.MatMul(g.Mul(qh, g.Scalar((float)(1 / Math.Sqrt(hd)))), g.Transpose(kh, 0, 2, 1));
        if (additiveMask is { } mask) scores = g.Add(scores, mask);
        var o = g.MatMul(g.Softmax(scores, -1), vh);                    // (H, Lq, hd)
        return g.Reshape(g.Transpose(o, 1, 0, 2), lq, channels);
    }

    /// <summary>mmcv MultiheadAttention (key <c>{prefix}.attn</c>): packed in-projection, attention, out_proj.</summary>
    public Value MmcvMha(Value query, Value key, Value value, string prefix, long lq, long lk, long dim, long heads, Value? additiveMask = null)
    {
        using var _ = g.Scope(prefix);
        var w = g.Split(Param($"{prefix}.attn.in_proj_weight", [3 * dim, dim], FanIn(dim)), 0, dim, dim, dim);
        var b = g.Split(Param($"{prefix}.attn.in_proj_bias", [3 * dim], SmallBias), 0, dim, dim, dim);
        var o = Attend(Linear(query, w[0], b[0]), Linear(key, w[1], b[1]), Linear(value, w[2], b[2]), lq, lk, dim, heads, additiveMask);
        return Linear(o, $"{prefix}.attn.out_proj", dim, dim, randomInit: ResidualBranch(dim));
    }

    /// <summary>mmcv FFN: layers.0.0 Linear + ReLU, layers.1 Linear (residual added by the caller).</summary>
    public Value MmcvFfn(Value x, string prefix, long dim, long hidden) =>
        Linear(g.Relu(Linear(x, $"{prefix}.layers.0.0", dim, hidden)), $"{prefix}.layers.1", hidden, dim, randomInit: ResidualBranch(hidden));

    /// <summary>mmcv ConvModule: conv (k×k, padding k/2) → GroupNorm → optional ReLU, on (1, C, H, W).</summary>
    public Value ConvGn(Value x, string prefix, long inCh, long outCh, long kernel, bool bias, long groups, bool relu, long h, long w)
    {
        var y = GroupNorm(Conv2d(x, $"{prefix}.conv", inCh, outCh, kernel, 1, kernel / 2, bias), $"{prefix}.gn", outCh, groups, h, w);
        return relu ? g.Relu(y) : y;
    }
}
