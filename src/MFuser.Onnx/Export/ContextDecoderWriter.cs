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

    /// <summary>text embeddings T0 (K, E) as values, visualContext (T, E) → diff (K, E).</summary>
    public static Value Write(ModuleWriter m, MFuserConfig cfg, ScanVariant variant, float[] text, Value visualContext, long contextTokens)
    {
        var g = m.G;
        using var _ = g.Scope(P);
        var c = cfg.ContextDecoder;
        long e = cfg.EmbedDim, w = c.Width, k = cfg.NumClasses;
        var mem = m.LayerNorm(m.Linear(m.LayerNorm(visualContext, $"{P}.memory_proj.0", e, 1e-5f), $"{P}.memory_proj.1", e, w),
            $"{P}.memory_proj.2", w, 1e-5f);
        var textQuery = m.FoldedLinear(m.FoldedLayerNorm(text, $"{P}.text_proj.0", e, 1e-5f), $"{P}.text_proj.1", e, w);
        Value q = default;
        for (var i = 0; i < c.Layers; i++)
        {
            var prefix = $"{P}.decoder.{i}";
            using var __ = g.Scope(prefix);
            Value head, tail;
            if (i == 0)
            {
                // Until its fusion, layer 0 depends on the weights alone: computed here and written as constants (ONNX
                // Runtime would fold it at load anyway). OpenCV DNN's importer crashes on a LayerNormalization whose
                // input is a constant, so these ops must not reach the graph.
                var a0 = m.FoldedLayerNorm(textQuery, $"{prefix}.norm1", w, 1e-5f);
                var attn0 = WeightMath.Attend(m.FoldedLinear(a0, $"{prefix}.self_attn.q_proj", w, w, bias: false),
                    m.FoldedLinear(a0, $"{prefix}.self_attn.k_proj", w, w, bias: false),
                    m.FoldedLinear(a0, $"{prefix}.self_attn.v_proj", w, w, bias: false), (int)k, (int)k, (int)w, c.Heads);
                var q0 = m.FoldedLinear(attn0, $"{prefix}.self_attn.proj", w, w).Select((v, j) => textQuery[j] + v).ToArray();
                q = g.Initializer<float>($"{prefix}/folded_query", q0, k, w);
                var t0 = m.FoldedLayerNorm(q0, $"{prefix}.norm2", w, 1e-5f);
                // the two text slices of the fusion input as two initializers: OpenCV DNN refuses a Concat that names
                // one constant twice (it adds a layer per occurrence, under the same name)
                head = g.Initializer<float>($"{prefix}/folded_norm2_head", t0, k, w);
                tail = g.Initializer<float>($"{prefix}/folded_norm2_tail", t0, k, w);
            }
            else
            {
                var a = m.LayerNorm(q, $"{prefix}.norm1", w, 1e-5f);
                var attn = m.Attend(m.Linear(a, $"{prefix}.self_attn.q_proj", w, w, bias: false),
                    m.Linear(a, $"{prefix}.self_attn.k_proj", w, w, bias: false),
                    m.Linear(a, $"{prefix}.self_attn.v_proj", w, w, bias: false), k, k, w, c.Heads);
                q = g.Add(q, m.Linear(attn, $"{prefix}.self_attn.proj", w, w));
                head = tail = m.LayerNorm(q, $"{prefix}.norm2", w, 1e-5f);
            }
            var length = 2 * k + contextTokens;
            var s = FuserWriter.MVFuser(m, variant, g.Concat(0, head, mem, tail), $"{prefix}.cross_attn", length, (int)w,
                c.DState, cfg.Fusion.DConv, expand: 1, dtRank: (int)((w + 15) / 16));
            q = g.Add(g.Add(q, g.Slice(s, 0, 0, k)), g.Slice(s, 0, length - k, length));   // both text copies read out
            var hidden = g.Gelu(m.Linear(m.LayerNorm(q, $"{prefix}.norm3", w, 1e-5f), $"{prefix}.mlp.0", w, w * c.MlpRatio));
            q = g.Add(q, m.Linear(hidden, $"{prefix}.mlp.3", w * c.MlpRatio, w));
        }
        return m.Linear(m.LayerNorm(q, $"{P}.out_proj.0", w, 1e-5f), $"{P}.out_proj.1", w, e);
    }
}
