using MFuser.Onnx.Architecture;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;

namespace MFuser.Onnx.Export;

/// <summary>
/// ContextDecoder with MTEnhancer layers (research §3), mirroring MFuser.Training.Model.ContextDecoder: text
/// self-attention, then a conditional MVFuser over [text, image tokens, text] whose two text slices are added back,
/// then a GELU MLP. Keys under <c>context_decoder.</c>.
/// </summary>
internal static class ContextDecoderWriter
{
    private const string P = "context_decoder";

    /// <summary>text (K, E), visualContext (T, E) → diff (K, E).</summary>
    public static Value Write(ModuleWriter m, MFuserConfig cfg, ScanVariant variant, Value text, Value visualContext, long contextTokens)
    {
        var g = m.G;
        using var _ = g.Scope(P);
        var c = cfg.ContextDecoder;
        long e = cfg.EmbedDim, w = c.Width, k = cfg.NumClasses;
        var mem = m.LayerNorm(m.Linear(m.LayerNorm(visualContext, $"{P}.memory_proj.0", e, 1e-5f), $"{P}.memory_proj.1", e, w),
            $"{P}.memory_proj.2", w, 1e-5f);
        var q = m.Linear(m.LayerNorm(text, $"{P}.text_proj.0", e, 1e-5f), $"{P}.text_proj.1", e, w);
        for (var i = 0; i < c.Layers; i++)
        {
            var prefix = $"{P}.decoder.{i}";
            using var __ = g.Scope(prefix);
            var a = m.LayerNorm(q, $"{prefix}.norm1", w, 1e-5f);
            var attn = m.Attend(m.Linear(a, $"{prefix}.self_attn.q_proj", w, w, bias: false),
                m.Linear(a, $"{prefix}.self_attn.k_proj", w, w, bias: false),
                m.Linear(a, $"{prefix}.self_attn.v_proj", w, w, bias: false), k, k, w, c.Heads);
            q = g.Add(q, m.Linear(attn, $"{prefix}.self_attn.proj", w, w));
            var t = m.LayerNorm(q, $"{prefix}.norm2", w, 1e-5f);
            var length = 2 * k + contextTokens;
            var s = FuserWriter.MVFuser(m, variant, g.Concat(0, t, mem, t), $"{prefix}.cross_attn", length, (int)w,
                c.DState, cfg.Fusion.DConv, expand: 1, dtRank: (int)((w + 15) / 16));
            q = g.Add(g.Add(q, g.Slice(s, 0, 0, k)), g.Slice(s, 0, length - k, length));   // both text copies read out
            var hidden = g.Gelu(m.Linear(m.LayerNorm(q, $"{prefix}.norm3", w, 1e-5f), $"{prefix}.mlp.0", w, w * c.MlpRatio));
            q = g.Add(q, m.Linear(hidden, $"{prefix}.mlp.3", w * c.MlpRatio, w));
        }
        return m.Linear(m.LayerNorm(q, $"{P}.out_proj.0", w, 1e-5f), $"{P}.out_proj.1", w, e);
    }
}
