using MFuser.Onnx.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>
/// ContextDecoder with MTEnhancer layers (research §3): text self-attention, then a conditional MVFuser over
/// [text, image tokens (CLS first), text] whose two text slices are summed back, then a GELU MLP.
/// Keys: memory_proj.{0,1,2}, text_proj.{0,1}, decoder.i.{self_attn,cross_attn,norm1..3,mlp.0,mlp.3}, out_proj.{0,1}.
/// Returns diff (B, K, E); the caller forms T = T0 + γ ⊙ diff.
/// </summary>
public sealed class ContextDecoder : nn.Module
{
    private readonly Sequential memory_proj, text_proj, out_proj;
    private readonly ModuleList<MTEnhancer> decoder;

    public ContextDecoder(MFuserConfig cfg) : base("ContextDecoder")
    {
        var c = cfg.ContextDecoder;
        int e = cfg.EmbedDim, w = c.Width;
        memory_proj = Layers.Seq(("0", nn.LayerNorm(e)), ("1", nn.Linear(e, w)), ("2", nn.LayerNorm(w)));
        text_proj = Layers.Seq(("0", nn.LayerNorm(e)), ("1", nn.Linear(e, w)));
        decoder = new ModuleList<MTEnhancer>(Enumerable.Range(0, c.Layers)
            .Select(_ => new MTEnhancer(w, c.Heads, c.MlpRatio, c.DState, cfg.Fusion)).ToArray());
        out_proj = Layers.Seq(("0", nn.LayerNorm(w)), ("1", nn.Linear(w, e)));
        register_module("memory_proj", memory_proj);
        register_module("text_proj", text_proj);
        register_module("decoder", decoder);
        register_module("out_proj", out_proj);
        // official quirk 9: blanket trunc-normal(0.02)/zero-bias over every Linear, the mixers' dt_proj included
        Layers.InitLinears(this);
    }

    /// <summary>text (B, K, E), visualContext (B, 1 + P, E) → diff (B, K, E).</summary>
    public Tensor call(Tensor text, Tensor visualContext)
    {
        var mem = memory_proj.call(visualContext);
        var q = text_proj.call(text);
        foreach (var layer in decoder) q = layer.call(q, mem);
        return out_proj.call(q);
    }

    /// <summary>One MTEnhancer layer.</summary>
    public sealed class MTEnhancer : nn.Module
    {
        private readonly SelfAttention self_attn;
        private readonly MVFuser cross_attn;
        private readonly LayerNorm norm1, norm2, norm3;
        private readonly Sequential mlp;
        public MTEnhancer(int w, int heads, int mlpRatio, int dState, FusionConfig f) : base("MTEnhancer")
        {
            self_attn = new SelfAttention(w, heads, f.Dropout);
            cross_attn = new MVFuser(w, dState, f.DConv, 1, (w + 15) / 16, f.Dropout, f.ScaleInit);
            norm1 = nn.LayerNorm(w); norm2 = nn.LayerNorm(w); norm3 = nn.LayerNorm(w);
            mlp = Layers.Seq(("0", nn.Linear(w, w * mlpRatio)), ("1", nn.GELU()), ("2", nn.Dropout(f.Dropout)),
                             ("3", nn.Linear(w * mlpRatio, w)), ("4", nn.Dropout(f.Dropout)));
            register_module("self_attn", self_attn);
            register_module("cross_attn", cross_attn);
            register_module("norm1", norm1);
            register_module("norm2", norm2);
            register_module("norm3", norm3);
            register_module("mlp", mlp);
        }
        public Tensor call(Tensor q, Tensor mem)
        {
            var a = norm1.call(q);
            q = q + self_attn.call(a);
            var t = norm2.call(q);
            long k = q.shape[1];
            var s = cross_attn.call(cat([t, mem, t], 1));
            q = q + s.narrow(1, 0, k) + s.narrow(1, s.shape[1] - k, k);   // both text copies read out and summed
            return q + mlp.call(norm3.call(q));
        }
    }

    /// <summary>CLIP-style Attention with q_proj/k_proj/v_proj (no bias) and proj (+bias, dropout).</summary>
    private sealed class SelfAttention : nn.Module<Tensor, Tensor>
    {
        private readonly Linear q_proj, k_proj, v_proj, proj;
        private readonly Dropout drop;
        private readonly int heads;
        public SelfAttention(int w, int heads, double dropout) : base("Attention")
        {
            this.heads = heads;
            q_proj = nn.Linear(w, w, hasBias: false);
            k_proj = nn.Linear(w, w, hasBias: false);
            v_proj = nn.Linear(w, w, hasBias: false);
            proj = nn.Linear(w, w);
            drop = nn.Dropout(dropout);
            register_module("q_proj", q_proj); register_module("k_proj", k_proj);
            register_module("v_proj", v_proj); register_module("proj", proj);
        }
        public override Tensor forward(Tensor x) =>
            drop.call(proj.call(Layers.Attend(q_proj.call(x), k_proj.call(x), v_proj.call(x), heads)));
    }
}
