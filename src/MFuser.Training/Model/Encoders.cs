using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>DINOv2 block (pre-norm, fused qkv with bias, LayerScale ls1/ls2, exact-GELU MLP fc1/fc2; LN eps 1e-6).</summary>
public sealed class DinoBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1, norm2;
    private readonly DinoAttention attn;
    private readonly LayerScale ls1, ls2;
    private readonly DinoMlp mlp;
    public DinoBlock(int dim, int heads, int hidden, double lsInit) : base("DinoBlock")
    {
        norm1 = nn.LayerNorm(dim, 1e-6); norm2 = nn.LayerNorm(dim, 1e-6);
        attn = new DinoAttention(dim, heads);
        ls1 = new LayerScale(dim, lsInit); ls2 = new LayerScale(dim, lsInit);
        mlp = new DinoMlp(dim, hidden);
        register_module("norm1", norm1);
        register_module("attn", attn);
        register_module("ls1", ls1);
        register_module("norm2", norm2);
        register_module("mlp", mlp);
        register_module("ls2", ls2);
    }
    public override Tensor forward(Tensor x)
    {
        x = x + ls1.call(attn.call(norm1.call(x)));
        return x + ls2.call(mlp.call(norm2.call(x)));
    }

    private sealed class DinoAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear qkv, proj;
        private readonly int heads;
        public DinoAttention(int dim, int heads) : base("Attention")
        {
            this.heads = heads;
            qkv = nn.Linear(dim, 3 * dim); proj = nn.Linear(dim, dim);
            register_module("qkv", qkv); register_module("proj", proj);
        }
        public override Tensor forward(Tensor x)
        {
            var p = qkv.call(x).chunk(3, -1);
            return proj.call(Layers.Attend(p[0], p[1], p[2], heads));
        }
    }

    private sealed class DinoMlp : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1, fc2;
        public DinoMlp(int dim, int hidden) : base("Mlp")
        {
            fc1 = nn.Linear(dim, hidden); fc2 = nn.Linear(hidden, dim);
            register_module("fc1", fc1); register_module("fc2", fc2);
        }
        public override Tensor forward(Tensor x) => fc2.call(nn.functional.gelu(fc1.call(x)));
    }

    private sealed class LayerScale : nn.Module<Tensor, Tensor>
    {
        private readonly Parameter gamma;
        public LayerScale(int dim, double init) : base("LayerScale")
        {
            gamma = nn.Parameter(full(dim, init));
            register_parameter("gamma", gamma);
        }
        public override Tensor forward(Tensor x) => x * gamma;
    }
}

/// <summary>
/// EVA02 block: pre-norm (LN eps 1e-6), no layer-scale; attention with bias-free q/k/v projections plus learnable
/// q_bias/v_bias, 2-D RoPE on patch tokens (CLS excluded), sub-LN <c>inner_attn_ln</c> before <c>proj</c>;
/// SwiGLU MLP w1/w2 → SiLU(w1x)⊙w2x → <c>ffn_ln</c> → w3.
/// </summary>
public sealed class EvaBlock : nn.Module<Tensor, Tensor>
{
    private readonly LayerNorm norm1, norm2;
    private readonly EvaAttention attn;
    private readonly SwiGlu mlp;
    public EvaBlock(int dim, int heads, int hidden, Rope2d rope) : base("EvaBlock")
    {
        norm1 = nn.LayerNorm(dim, 1e-6); norm2 = nn.LayerNorm(dim, 1e-6);
        attn = new EvaAttention(dim, heads, rope);
        mlp = new SwiGlu(dim, hidden);
        register_module("norm1", norm1);
        register_module("attn", attn);
        register_module("norm2", norm2);
        register_module("mlp", mlp);
    }
    public override Tensor forward(Tensor x)
    {
        x = x + attn.call(norm1.call(x));
        return x + mlp.call(norm2.call(x));
    }

    private sealed class EvaAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear q_proj, k_proj, v_proj, proj;
        private readonly Parameter q_bias, v_bias;
        private readonly LayerNorm inner_attn_ln;
        private readonly int heads;
        private readonly Rope2d rope;
        public EvaAttention(int dim, int heads, Rope2d rope) : base("Attention")
        {
            this.heads = heads; this.rope = rope;
            q_proj = nn.Linear(dim, dim, hasBias: false);
            k_proj = nn.Linear(dim, dim, hasBias: false);
            v_proj = nn.Linear(dim, dim, hasBias: false);
            q_bias = nn.Parameter(zeros(dim));
            v_bias = nn.Parameter(zeros(dim));
            inner_attn_ln = nn.LayerNorm(dim, 1e-6);
            proj = nn.Linear(dim, dim);
            register_module("q_proj", q_proj);
            register_module("k_proj", k_proj);
            register_module("v_proj", v_proj);
            register_parameter("q_bias", q_bias);
            register_parameter("v_bias", v_bias);
            register_module("inner_attn_ln", inner_attn_ln);
            register_module("proj", proj);
        }
        public override Tensor forward(Tensor x)
        {
            long b = x.shape[0], n = x.shape[1], c = x.shape[2], hd = c / heads;
            var q = nn.functional.linear(x, q_proj.weight, q_bias).view(b, n, heads, hd).transpose(1, 2);
            var k = k_proj.call(x).view(b, n, heads, hd).transpose(1, 2);
            var v = nn.functional.linear(x, v_proj.weight, v_bias).view(b, n, heads, hd).transpose(1, 2);
            q = rope.ApplyToPatches(q);
            k = rope.ApplyToPatches(k);
            var o = nn.functional.scaled_dot_product_attention(q, k, v).transpose(1, 2).reshape(b, n, c);
            return proj.call(inner_attn_ln.call(o));
        }
    }

    private sealed class SwiGlu : nn.Module<Tensor, Tensor>
    {
        private readonly Linear w1, w2, w3;
        private readonly LayerNorm ffn_ln;
        public SwiGlu(int dim, int hidden) : base("SwiGLU")
        {
            w1 = nn.Linear(dim, hidden); w2 = nn.Linear(dim, hidden);
            ffn_ln = nn.LayerNorm(hidden, 1e-6);
            w3 = nn.Linear(hidden, dim);
            register_module("w1", w1); register_module("w2", w2);
            register_module("ffn_ln", ffn_ln); register_module("w3", w3);
        }
        public override Tensor forward(Tensor x) => w3.call(ffn_ln.call(nn.functional.silu(w1.call(x)) * w2.call(x)));
    }
}

/// <summary>
/// EVA02 2-D rotary embedding (VisionRotaryEmbeddingFast): per-axis rotary dim = head_dim/2 with head_dim/4
/// frequencies 10000^(−2j/(head_dim/2)), each repeated for an interleaved channel pair; the first half of the head
/// channels rotates by the row position, the second by the column; positions are scaled by pretrainGrid/grid.
/// Buffers <c>freqs_cos</c>/<c>freqs_sin</c> (patches, head_dim) are constants of the input size.
/// </summary>
public sealed class Rope2d : nn.Module
{
    private readonly Tensor freqs_cos, freqs_sin;
    public Rope2d(int headDim, int gridH, int gridW, int pretrainGrid) : base("VisionRotaryEmbeddingFast")
    {
        int axisDim = headDim / 2;
        var freqs = pow(10000.0, -arange(0, axisDim, 2, dtype: float64) / axisDim);          // (axisDim/2)
        Tensor Axis(int n) => arange(n, dtype: float64) * ((pretrainGrid > 0 ? pretrainGrid : n) / (double)n);
        var fr = (Axis(gridH).unsqueeze(1) * freqs).repeat_interleave(2, 1);                  // (H, axisDim)
        var fc = (Axis(gridW).unsqueeze(1) * freqs).repeat_interleave(2, 1);                  // (W, axisDim)
        var table = cat([fr.unsqueeze(1).expand(gridH, gridW, axisDim), fc.unsqueeze(0).expand(gridH, gridW, axisDim)], -1)
            .reshape(gridH * gridW, headDim);
        freqs_cos = table.cos().to(float32);
        freqs_sin = table.sin().to(float32);
        register_buffer("freqs_cos", freqs_cos);
        register_buffer("freqs_sin", freqs_sin);
    }

    /// <summary>t (B, heads, 1 + patches, head_dim): rotates every token but the leading CLS.</summary>
    public Tensor ApplyToPatches(Tensor t)
    {
        var cls = t.narrow(2, 0, 1);
        var p = t.narrow(2, 1, t.shape[2] - 1);
        var pairs = p.unflatten(3, [p.shape[3] / 2, 2]);
        var rotated = stack([-pairs.select(-1, 1), pairs.select(-1, 0)], -1).flatten(-2);    // (a,b) → (−b, a)
        return cat([cls, p * freqs_cos + rotated * freqs_sin], 2);
    }
}
