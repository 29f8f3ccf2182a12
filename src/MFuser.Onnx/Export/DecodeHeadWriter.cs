using MFuser.Onnx.Architecture;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Export;

/// <summary>
/// The text-queried Mask2Former head (research §5), mirroring MFuser.Training.Model.PixelDecoder / MsDeformAttn /
/// DecodeHead: deformable pixel encoder with text cross-attention, FPN step and mask features, then the
/// masked-attention transformer decoder whose last prediction becomes per-class scores
/// seg[c] = Σ_q softmax(cls)[q, c] · sigmoid(mask)[q]. Keys under <c>decode_head.</c>.
/// </summary>
internal sealed class DecodeHeadWriter(ModuleWriter m, MFuserConfig cfg, Action<string> progress)
{
    private const string P = "decode_head";
    private const string Pd = "decode_head.pixel_decoder";
    /// <summary>Additive attention-mask value for blocked positions (DecodeHead.MaskedValue in the model).</summary>
    private const float MaskedValue = -1e4f;

    private GraphBuilder G => m.G;
    private long Feat => cfg.Decoder.FeatChannels;
    private long Classes => cfg.NumClasses;

    /// <summary>pyramid [P0..P3] with sizes, text T (K, E) → class scores (1, K, h0, w0).</summary>
    public Value Write(Value[] pyramid, (long H, long W)[] sizes, Value text)
    {
        progress("pixel decoder");
        var (maskFeatures, levels, levelSizes) = PixelDecoder(pyramid, sizes, text);
        progress("transformer decoder");
        using var _ = G.Scope(P);
        var d = cfg.Decoder;
        var memories = new Value[3];
        var memPos = new Value[3];
        var levelEmbed = m.Param($"{P}.level_embed.weight", [3, Feat], new WeightInit.Normal(1));
        for (var i = 0; i < 3; i++)
        {
            var (h, w) = levelSizes[i];
            memories[i] = G.Add(G.Transpose(G.Reshape(levels[i], Feat, h * w), 1, 0), G.Slice(levelEmbed, 0, i, i + 1));
            memPos[i] = G.Constant<float>(PositionTables.Sine((int)h, (int)w, (int)Feat), h * w, Feat);
        }
        var q = m.Linear(G.Relu(m.Linear(text, $"{P}.text_proj.0", cfg.EmbedDim, Feat)), $"{P}.text_proj.2", Feat, Feat);
        var qPos = m.Param($"{P}.query_embed.weight", [Classes, Feat], new WeightInit.Normal(1));
        var (h0, w0) = sizes[0];
        var layers = d.TransformerLayers;
        var (cls, mask) = Predict(q, maskFeatures, h0, w0);
        var attnMask = AttentionMask(mask, h0, w0, levelSizes[0]);
        for (var i = 0; i < layers; i++)
        {
            var lvl = i % 3;
            var prefix = $"{P}.transformer_decoder.layers.{i}";
            using (G.Scope(prefix))
            {
                var (h, w) = levelSizes[lvl];
                var cross = m.MmcvMha(G.Add(q, qPos), G.Add(memories[lvl], memPos[lvl]), memories[lvl], $"{prefix}.attentions.0",
                    Classes, h * w, Feat, d.Heads, attnMask);
                q = m.LayerNorm(G.Add(q, cross), $"{prefix}.norms.0", Feat, 1e-5f);
                var s = G.Add(q, qPos);
                q = m.LayerNorm(G.Add(q, m.MmcvMha(s, s, q, $"{prefix}.attentions.1", Classes, Classes, Feat, d.Heads)),
                    $"{prefix}.norms.1", Feat, 1e-5f);
                q = m.LayerNorm(G.Add(q, m.MmcvFfn(q, $"{prefix}.ffns.0", Feat, d.TransformerFfn)), $"{prefix}.norms.2", Feat, 1e-5f);
            }
            (cls, mask) = Predict(q, maskFeatures, h0, w0);
            if (i + 1 < layers) attnMask = AttentionMask(mask, h0, w0, levelSizes[(i + 1) % 3]);
        }
        // seg[c] = Σ_q softmax(cls)[q, c] · sigmoid(mask)[q], the no-object column dropped
        var pc = G.Slice(G.Softmax(cls, -1), 1, 0, Classes);                          // (Kq, K)
        var pm = G.Sigmoid(mask);                                                      // (Kq, h0·w0)
        return G.Reshape(G.MatMul(G.Transpose(pc, 1, 0), pm), 1, Classes, h0, w0);
    }

    /// <summary>post_norm → cls_embed (K, K+1) and mask_embed · mask features (K, h0·w0).</summary>
    private (Value Cls, Value Mask) Predict(Value q, Value maskFeatures, long h0, long w0)
    {
        using var _ = G.Scope($"{P}.predict");
        var o = m.LayerNorm(q, $"{P}.transformer_decoder.post_norm", Feat, 1e-5f);
        // Random weights: peaked class logits and wide mask logits, so a random model still gives varied label maps.
        var cls = m.Linear(o, $"{P}.cls_embed", Feat, Classes + 1, randomInit: new WeightInit.Normal(4 / Math.Sqrt(Feat)));
        var me = m.Linear(G.Relu(m.Linear(G.Relu(m.Linear(o, $"{P}.mask_embed.0", Feat, Feat)), $"{P}.mask_embed.2", Feat, Feat)),
            $"{P}.mask_embed.4", Feat, Feat);
        return (cls, G.MatMul(me, G.Reshape(maskFeatures, Feat, h0 * w0)));
    }

    /// <summary>−1e4 where sigmoid(resized mask) &lt; 0.5, except rows that would be blocked entirely: (1, K, h·w).</summary>
    private Value AttentionMask(Value mask, long h0, long w0, (long H, long W) next)
    {
        using var _ = G.Scope($"{P}.attn_mask");
        var small = G.ResizeBilinear(G.Reshape(mask, 1, Classes, h0, w0), [1, Classes, next.H, next.W]);
        var probability = G.Reshape(G.Sigmoid(small), Classes, next.H * next.W);
        var half = G.Scalar(0.5f);
        var blocked = G.Less(probability, half);
        var rowHasOpen = G.Not(G.Less(G.ReduceMax(probability, [1]), half));          // not every position blocked
        var finalBlocked = G.Node("And", [blocked, rowHasOpen], ElementType.Bool);
        return G.Unsqueeze(G.Where(finalBlocked, G.Scalar(MaskedValue), G.Scalar(0f)), 0);
    }

    private (Value MaskFeatures, Value[] Levels, (long H, long W)[] LevelSizes) PixelDecoder(Value[] pyramid, (long H, long W)[] sizes, Value text)
    {
        using var _ = G.Scope(Pd);
        var d = cfg.Decoder;
        long c = cfg.PyramidChannels, groups = d.GroupNormGroups;
        var levelIndex = new[] { 3, 2, 1 };                                           // low → high resolution
        var levelSizes = levelIndex.Select(i => sizes[i]).ToArray();
        var tokens = new Value[3];
        var pos = new Value[3];
        var refs = new List<float>();
        var levelEncoding = m.Param($"{Pd}.level_encoding.weight", [3, Feat], new WeightInit.Normal(1));
        for (var i = 0; i < 3; i++)
        {
            var (h, w) = levelSizes[i];
            var conv = m.ConvGn(pyramid[levelIndex[i]], $"{Pd}.input_convs.{i}", c, Feat, 1, true, groups, false, h, w);
            tokens[i] = G.Transpose(G.Reshape(conv, Feat, h * w), 1, 0);
            pos[i] = G.Add(G.Constant<float>(PositionTables.Sine((int)h, (int)w, (int)Feat), h * w, Feat), G.Slice(levelEncoding, 0, i, i + 1));
            refs.AddRange(PositionTables.ReferencePoints((int)h, (int)w));
        }
        var query = G.Concat(0, tokens);
        var queryPos = G.Concat(0, pos);
        var total = levelSizes.Sum(s => s.H * s.W);
        var reference = G.Constant<float>(refs.ToArray(), total, 1, 1, 2);
        var textFeat = m.Linear(text, $"{Pd}.text_proj", cfg.EmbedDim, Feat);
        var textPos = m.Param($"{Pd}.text_pos_embed.weight", [Classes, Feat], new WeightInit.Normal(1));
        var textKey = G.Add(textFeat, textPos);

        for (var i = 0; i < d.PixelEncoderLayers; i++)
        {
            var prefix = $"{Pd}.encoder.layers.{i}";
            using var __ = G.Scope(prefix);
            var deform = MsDeformAttn(G.Add(query, queryPos), query, reference, levelSizes, total, $"{prefix}.attentions.0");
            query = m.LayerNorm(G.Add(query, deform), $"{prefix}.norms.0", Feat, 1e-5f);
            var cross = m.MmcvMha(G.Add(query, queryPos), textKey, textFeat, $"{prefix}.attentions.1", total, Classes, Feat, d.Heads);
            query = m.LayerNorm(G.Add(query, cross), $"{prefix}.norms.1", Feat, 1e-5f);
            query = m.LayerNorm(G.Add(query, m.MmcvFfn(query, $"{prefix}.ffns.0", Feat, d.PixelEncoderFfn)), $"{prefix}.norms.2", Feat, 1e-5f);
        }
        var memory = m.LayerNorm(query, $"{Pd}.encoder.post_norm", Feat, 1e-5f);
        var maps = new Value[3];
        long start = 0;
        for (var i = 0; i < 3; i++)
        {
            var (h, w) = levelSizes[i];
            maps[i] = G.Reshape(G.Transpose(G.Slice(memory, 0, start, start + h * w), 1, 0), 1, Feat, h, w);
            start += h * w;
        }
        var (h0, w0) = sizes[0];
        var lateral = m.ConvGn(pyramid[0], $"{Pd}.lateral_convs.0", c, Feat, 1, false, groups, false, h0, w0);
        var up = G.ResizeBilinear(maps[2], [1, Feat, h0, w0]);
        var fine = m.ConvGn(G.Add(lateral, up), $"{Pd}.output_convs.0", Feat, Feat, 3, false, groups, true, h0, w0);
        return (m.Conv2d(fine, $"{Pd}.mask_feature", Feat, Feat, 1), maps, levelSizes);
    }

    /// <summary>
    /// Multi-scale deformable attention in tensor form: per level, GridSample (bilinear, zeros, align_corners 0) of the
    /// per-head value map at reference + offset/(w, h), weighted by a softmax over levels × points.
    /// query (Q, C) with position, value (S, C) without; reference (Q, 1, 1, 2) as (x, y) in [0, 1].
    /// </summary>
    private Value MsDeformAttn(Value query, Value value, Value reference, (long H, long W)[] shapes, long nq, string prefix)
    {
        using var _ = G.Scope(prefix);
        var d = cfg.Decoder;
        long heads = d.Heads, levels = shapes.Length, points = d.DeformPoints, hd = Feat / heads;
        var v = m.Linear(value, $"{prefix}.value_proj", Feat, Feat);
        var offsetsW = m.Param($"{prefix}.sampling_offsets.weight", [heads * levels * points * 2, Feat], new WeightInit.Normal(0.01));
        var offsetsB = m.Param($"{prefix}.sampling_offsets.bias", [heads * levels * points * 2], new WeightInit.Normal(1.5));
        var offsets = G.Reshape(m.Linear(query, offsetsW, offsetsB), nq, heads, levels, points, 2);
        var weights = G.Softmax(G.Reshape(m.Linear(query, $"{prefix}.attention_weights", Feat, heads * levels * points), nq, heads,
            levels * points), -1);
        var sampled = new Value[levels];
        long start = 0;
        for (var l = 0; l < levels; l++)
        {
            var (h, w) = shapes[l];
            var vl = G.Reshape(G.Transpose(G.Reshape(G.Slice(v, 0, start, start + h * w), h * w, heads, hd), 1, 2, 0), heads, hd, h, w);
            start += h * w;
            var offsetL = G.Squeeze(G.Slice(offsets, 2, l, l + 1), 2);                        // (Q, H, P, 2)
            var location = G.Add(reference, G.Div(offsetL, G.Constant<float>([w, h], 2)));
            var grid = G.Transpose(G.Sub(G.Mul(location, G.Scalar(2f)), G.Scalar(1f)), 1, 0, 2, 3);   // (H, Q, P, 2)
            sampled[l] = G.Node("GridSample", [vl, grid], attributes:
                [Attr.String("mode", "bilinear"), Attr.String("padding_mode", "zeros"), Attr.Int("align_corners", 0)]);  // (H, hd, Q, P)
        }
        var all = G.Concat(3, sampled);                                                  // (H, hd, Q, L·P)
        var attn = G.Unsqueeze(G.Transpose(weights, 1, 0, 2), 1);                        // (H, 1, Q, L·P)
        var o = G.ReduceSum(G.Mul(all, attn), [-1], keepDims: false);                    // (H, hd, Q)
        return m.Linear(G.Transpose(G.Reshape(o, Feat, nq), 1, 0), $"{prefix}.output_proj", Feat, Feat);
    }
}
