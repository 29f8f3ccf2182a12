using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>Small helpers shared by the MFuser modules. Child names follow the official state-dict keys.</summary>
internal static class Layers
{
    /// <summary>nn.Sequential with explicit child names (e.g. "0","1","3" as in official checkpoints).</summary>
    public static Sequential Seq(params (string name, nn.Module<Tensor, Tensor> module)[] children) => nn.Sequential(children);

    /// <summary>Truncated normal init N(0, std) clipped to ±2·std (timm/mmcv trunc_normal_ with default bounds ±2).</summary>
    public static void TruncNormal(Tensor t, double std)
    {
        using var _ = no_grad();
        nn.init.trunc_normal_(t, 0.0, std, -2 * std, 2 * std);
    }

    /// <summary>Applies trunc-normal(0.02) / zero bias to every Linear inside <paramref name="m"/> (timm-style init).</summary>
    public static void InitLinears(nn.Module m, double std = 0.02)
    {
        using var _ = no_grad();
        foreach (var (_, child) in m.named_modules())
        {
            if (child is not Linear lin) continue;
            TruncNormal(lin.weight, std);
            lin.bias?.zero_();
        }
    }

    /// <summary>
    /// Sets every normalisation layer's affine parameters to PyTorch's defaults (weight 1, bias 0). TorchSharp 0.107
    /// was seen to leave GroupNorm's affine parameters uninitialised (NaN), so the model does this once for all norms.
    /// </summary>
    public static void ResetNorms(nn.Module m)
    {
        using var _ = no_grad();
        foreach (var (_, child) in m.named_modules())
        {
            var (w, b) = child switch
            {
                GroupNorm g => (g.weight, g.bias),
                LayerNorm l => (l.weight, l.bias),
                BatchNorm2d bn => (bn.weight, bn.bias),
                _ => (null, null),
            };
            w?.fill_(1);
            b?.zero_();
        }
    }

    /// <summary>Multi-head attention over (B, L, C) tensors via softmax(QKᵀ/√d)V, with an optional additive mask.</summary>
    public static Tensor Attend(Tensor q, Tensor k, Tensor v, int heads, Tensor? additiveMask = null)
    {
        long b = q.shape[0], lq = q.shape[1], lk = k.shape[1], c = q.shape[2];
        var qh = q.view(b, lq, heads, c / heads).transpose(1, 2);
        var kh = k.view(b, lk, heads, c / heads).transpose(1, 2);
        var vh = v.view(b, lk, heads, c / heads).transpose(1, 2);
        var o = nn.functional.scaled_dot_product_attention(qh, kh, vh, additiveMask);
        return o.transpose(1, 2).reshape(b, lq, c);
    }
}

/// <summary>
/// nn.MultiheadAttention wrapped as mmcv's <c>MultiheadAttention</c> (child <c>attn</c>): keys
/// <c>attn.in_proj_weight</c>, <c>attn.in_proj_bias</c>, <c>attn.out_proj.{weight,bias}</c>. Batch-first tensors.
/// </summary>
internal sealed class MmcvMha : nn.Module
{
    private readonly TorchMha attn;
    public MmcvMha(int dim, int heads) : base("MultiheadAttention")
    {
        attn = new TorchMha(dim, heads);
        register_module("attn", attn);
    }
    /// <summary>query (B,Lq,C), key/value (B,Lk,C); additiveMask broadcastable to (B, heads, Lq, Lk).</summary>
    public Tensor call(Tensor query, Tensor key, Tensor value, Tensor? additiveMask = null) => attn.call(query, key, value, additiveMask);
}

/// <summary>torch.nn.MultiheadAttention parameters: in_proj_weight/in_proj_bias (3C×C, 3C) and out_proj; batch-first.</summary>
internal sealed class TorchMha : nn.Module
{
    private readonly Parameter in_proj_weight, in_proj_bias;
    private readonly Linear out_proj;
    private readonly int heads;
    public TorchMha(int dim, int heads) : base("nn.MultiheadAttention")
    {
        this.heads = heads;
        in_proj_weight = nn.Parameter(empty(3 * dim, dim));
        in_proj_bias = nn.Parameter(zeros(3 * dim));
        out_proj = nn.Linear(dim, dim);
        using (no_grad())
        {
            nn.init.xavier_uniform_(in_proj_weight);
            out_proj.bias!.zero_();
        }
        register_parameter("in_proj_weight", in_proj_weight);
        register_parameter("in_proj_bias", in_proj_bias);
        register_module("out_proj", out_proj);
    }
    public Tensor call(Tensor query, Tensor key, Tensor value, Tensor? additiveMask)
    {
        var w = in_proj_weight.chunk(3, 0);
        var bias = in_proj_bias.chunk(3, 0);
        var q = nn.functional.linear(query, w[0], bias[0]);
        var k = nn.functional.linear(key, w[1], bias[1]);
        var v = nn.functional.linear(value, w[2], bias[2]);
        return out_proj.call(Layers.Attend(q, k, v, heads, additiveMask));
    }
}

/// <summary>mmcv FFN: <c>layers.0.0</c> Linear(C→H) + ReLU, <c>layers.1</c> Linear(H→C); residual added by the caller.</summary>
internal sealed class MmcvFfn : nn.Module<Tensor, Tensor>
{
    private readonly Sequential layers;
    public MmcvFfn(int dim, int hidden) : base("FFN")
    {
        layers = Layers.Seq(
            ("0", Layers.Seq(("0", nn.Linear(dim, hidden)), ("1", nn.ReLU()))),
            ("1", nn.Linear(hidden, dim)));
        register_module("layers", layers);
    }
    public override Tensor forward(Tensor x) => layers.call(x);
}

/// <summary>mmcv ConvModule: <c>conv</c> then <c>gn</c> (GroupNorm), optional ReLU.</summary>
internal sealed class ConvGn : nn.Module<Tensor, Tensor>
{
    private readonly Conv2d conv;
    private readonly GroupNorm gn;
    private readonly bool relu;
    public ConvGn(int inCh, int outCh, int kernel, bool bias, int groups, bool relu) : base("ConvModule")
    {
        conv = nn.Conv2d(inCh, outCh, kernel, padding: kernel / 2, bias: bias);
        gn = nn.GroupNorm(groups, outCh);
        this.relu = relu;
        register_module("conv", conv);
        register_module("gn", gn);
    }
    public override Tensor forward(Tensor x)
    {
        var y = gn.call(conv.call(x));
        return relu ? nn.functional.relu(y) : y;
    }
}

/// <summary>Sine position encoding of DETR/mmdet (normalize, scale 2π, temperature 1e4): (1, 2·feats, h, w) = [pos_y, pos_x].</summary>
internal static class SinePosition
{
    public static Tensor Encode(int h, int w, int channels)
    {
        int feats = channels / 2;
        const double eps = 1e-6, scale = 2 * Math.PI;
        var y = arange(1, h + 1, dtype: float32).view(h, 1).expand(h, w);
        var x = arange(1, w + 1, dtype: float32).view(1, w).expand(h, w);
        y = y / (h + eps) * scale;
        x = x / (w + eps) * scale;
        var dimT = arange(feats, dtype: float32);
        dimT = pow(10000.0, 2 * floor(dimT / 2) / feats);
        var px = x.unsqueeze(-1) / dimT;                       // (h, w, feats)
        var py = y.unsqueeze(-1) / dimT;
        px = stack([px[.., .., TensorIndex.Slice(0, null, 2)].sin(), px[.., .., TensorIndex.Slice(1, null, 2)].cos()], -1).flatten(2);
        py = stack([py[.., .., TensorIndex.Slice(0, null, 2)].sin(), py[.., .., TensorIndex.Slice(1, null, 2)].cos()], -1).flatten(2);
        return cat([py, px], -1).permute(2, 0, 1).unsqueeze(0);
    }
}
