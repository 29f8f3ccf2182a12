using MFuser.Onnx.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>
/// tqdm MSDeformAttn pixel decoder (research §5.1): 1×1 input convs + GN on the three coarse levels (low→high res),
/// a post-norm deformable encoder whose layers also cross-attend to the text, an FPN step onto the finest level and
/// a 1×1 mask-feature conv. mmcv's CUDA MultiScaleDeformableAttention is replaced by <see cref="MsDeformAttn"/>,
/// the same maths written with GridSample (bilinear, zero padding, align_corners=False), which exports to plain ONNX.
/// </summary>
public sealed class PixelDecoder : nn.Module
{
    private readonly ModuleList<ConvGn> input_convs, lateral_convs, output_convs;
    private readonly EncoderStack encoder;
    private readonly Embedding level_encoding, text_pos_embed;
    private readonly Conv2d mask_feature;
    private readonly Linear text_proj;
    private readonly int feat;

    public PixelDecoder(MFuserConfig cfg) : base("PixelDecoder")
    {
        var d = cfg.Decoder;
        feat = d.FeatChannels;
        int c = cfg.PyramidChannels, g = d.GroupNormGroups;
        input_convs = new ModuleList<ConvGn>(Enumerable.Range(0, 3).Select(_ => new ConvGn(c, feat, 1, true, g, false)).ToArray());
        encoder = new EncoderStack(d);
        level_encoding = nn.Embedding(3, feat);
        lateral_convs = new ModuleList<ConvGn>(new ConvGn(c, feat, 1, false, g, false));
        output_convs = new ModuleList<ConvGn>(new ConvGn(feat, feat, 3, false, g, true));
        mask_feature = nn.Conv2d(feat, feat, 1);
        text_proj = nn.Linear(cfg.EmbedDim, feat);
        text_pos_embed = nn.Embedding(cfg.NumClasses, feat);
        foreach (var conv in input_convs) { using var _ = no_grad(); nn.init.xavier_uniform_(conv.named_parameters().First().parameter); }
        register_module("input_convs", input_convs);
        register_module("encoder", encoder);
        register_module("level_encoding", level_encoding);
        register_module("lateral_convs", lateral_convs);
        register_module("output_convs", output_convs);
        register_module("mask_feature", mask_feature);
        register_module("text_proj", text_proj);
        register_module("text_pos_embed", text_pos_embed);
    }

    /// <summary>pyramid [P0 (×4), P1 (×2), P2 (×1), P3 (×½)], text T (B, K, E) → mask features (B, F, h0, w0) and [P3, P2, P1]-level maps.</summary>
    public (Tensor maskFeatures, Tensor[] multiScale) call(Tensor[] pyramid, Tensor text)
    {
        long b = pyramid[0].shape[0];
        var levels = new[] { pyramid[3], pyramid[2], pyramid[1] };        // low → high resolution
        var shapes = levels.Select(l => (h: (int)l.shape[2], w: (int)l.shape[3])).ToArray();
        var tokens = new List<Tensor>(); var pos = new List<Tensor>(); var refs = new List<Tensor>();
        for (int i = 0; i < 3; i++)
        {
            var (h, w) = shapes[i];
            tokens.Add(input_convs[i].call(levels[i]).flatten(2).transpose(1, 2));
            var p = SinePosition.Encode(h, w, feat).to(levels[i].device).flatten(2).transpose(1, 2);
            pos.Add(p + level_encoding.weight.narrow(0, i, 1));
            refs.Add(ReferencePoints(h, w, levels[i].device));
        }
        var query = cat(tokens, 1);
        var queryPos = cat(pos, 1).expand(b, -1, -1);
        var reference = cat(refs, 0);                                     // (S, 2) normalised (x, y)
        var textFeat = text_proj.call(text);
        var textPos = text_pos_embed.weight.unsqueeze(0).expand(b, -1, -1);
        var memory = encoder.call(query, queryPos, reference, shapes, textFeat, textPos);
        var maps = new Tensor[3]; long start = 0;
        for (int i = 0; i < 3; i++)
        {
            var (h, w) = shapes[i];
            maps[i] = memory.narrow(1, start, h * w).transpose(1, 2).reshape(b, feat, h, w);
            start += h * w;
        }
        var lateral = lateral_convs[0].call(pyramid[0]);
        var up = nn.functional.interpolate(maps[2], [lateral.shape[2], lateral.shape[3]], mode: InterpolationMode.Bilinear, align_corners: false);
        var fine = output_convs[0].call(lateral + up);
        return (mask_feature.call(fine), maps);
    }

    private static Tensor ReferencePoints(int h, int w, Device device)
    {
        var ys = (arange(h, dtype: float32, device: device) + 0.5f) / h;
        var xs = (arange(w, dtype: float32, device: device) + 0.5f) / w;
        return stack([xs.view(1, w).expand(h, w), ys.view(h, 1).expand(h, w)], -1).reshape(h * w, 2);
    }

    /// <summary>DetrTransformerDecoder used as the pixel encoder: <c>layers.i</c> + <c>post_norm</c> on the last output.</summary>
    private sealed class EncoderStack : nn.Module
    {
        private readonly ModuleList<EncoderLayer> layers;
        private readonly LayerNorm post_norm;
        public EncoderStack(DecoderConfig d) : base("DetrTransformerDecoder")
        {
            layers = new ModuleList<EncoderLayer>(Enumerable.Range(0, d.PixelEncoderLayers).Select(_ => new EncoderLayer(d)).ToArray());
            post_norm = nn.LayerNorm(d.FeatChannels);
            register_module("layers", layers);
            register_module("post_norm", post_norm);
        }
        public Tensor call(Tensor q, Tensor pos, Tensor reference, (int h, int w)[] shapes, Tensor text, Tensor textPos)
        {
            foreach (var layer in layers) q = layer.call(q, pos, reference, shapes, text, textPos);
            return post_norm.call(q);
        }
    }

    /// <summary>Post-norm layer: (MSDeformAttn, norm, text cross-attn, norm, FFN, norm). Keys attentions.{0,1}, ffns.0, norms.{0,1,2}.</summary>
    private sealed class EncoderLayer : nn.Module
    {
        private readonly ModuleList<nn.Module> attentions;   // 0: MsDeformAttn, 1: text cross-attention
        private readonly ModuleList<MmcvFfn> ffns;
        private readonly ModuleList<LayerNorm> norms;
        public EncoderLayer(DecoderConfig d) : base("EncoderLayer")
        {
            attentions = new ModuleList<nn.Module>(new MsDeformAttn(d.FeatChannels, d.Heads, 3, d.DeformPoints),
                new MmcvMha(d.FeatChannels, d.Heads));
            register_module("attentions", attentions);
            ffns = new ModuleList<MmcvFfn>(new MmcvFfn(d.FeatChannels, d.PixelEncoderFfn));
            norms = new ModuleList<LayerNorm>(Enumerable.Range(0, 3).Select(_ => nn.LayerNorm(d.FeatChannels)).ToArray());
            register_module("ffns", ffns);
            register_module("norms", norms);
        }
        public Tensor call(Tensor q, Tensor pos, Tensor reference, (int h, int w)[] shapes, Tensor text, Tensor textPos)
        {
            q = norms[0].call(q + ((MsDeformAttn)attentions[0]).call(q + pos, q, reference, shapes));
            q = norms[1].call(q + ((MmcvMha)attentions[1]).call(q + pos, text + textPos, text));
            return norms[2].call(q + ffns[0].call(q));
        }
    }
}

/// <summary>
/// Multi-scale deformable attention (Deformable DETR / mmcv), pure tensor form: per head and level, bilinear
/// GridSample of the value map at reference + offset/(w, h), weighted by a softmax over levels × points.
/// Keys: sampling_offsets, attention_weights, value_proj, output_proj. Init as mmcv (zero offset weights, circular
/// bias grid, zero attention weights, Xavier value/output projections).
/// </summary>
public sealed class MsDeformAttn : nn.Module
{
    private readonly Linear sampling_offsets, attention_weights, value_proj, output_proj;
    private readonly int heads, levels, points, dim;

    public MsDeformAttn(int dim, int heads, int levels, int points) : base("MultiScaleDeformableAttention")
    {
        this.dim = dim; this.heads = heads; this.levels = levels; this.points = points;
        sampling_offsets = nn.Linear(dim, heads * levels * points * 2);
        attention_weights = nn.Linear(dim, heads * levels * points);
        value_proj = nn.Linear(dim, dim);
        output_proj = nn.Linear(dim, dim);
        using (no_grad())
        {
            sampling_offsets.weight.zero_();
            var theta = arange(heads, dtype: float32) * (2.0 * Math.PI / heads);
            var grid = stack([theta.cos(), theta.sin()], -1);
            grid = grid / grid.abs().max(-1, keepdim: true).values;
            grid = grid.view(heads, 1, 1, 2).repeat(1, levels, points, 1);
            for (int p = 0; p < points; p++) grid[.., .., p, ..] *= p + 1;
            sampling_offsets.bias!.copy_(grid.flatten());
            attention_weights.weight.zero_(); attention_weights.bias!.zero_();
            nn.init.xavier_uniform_(value_proj.weight); value_proj.bias!.zero_();
            nn.init.xavier_uniform_(output_proj.weight); output_proj.bias!.zero_();
        }
        register_module("sampling_offsets", sampling_offsets);
        register_module("attention_weights", attention_weights);
        register_module("value_proj", value_proj);
        register_module("output_proj", output_proj);
    }

    /// <summary>query (B, Q, C) with position, value (B, S, C) without; reference (Q, 2) in [0, 1] as (x, y).</summary>
    public Tensor call(Tensor query, Tensor value, Tensor reference, (int h, int w)[] shapes)
    {
        long b = query.shape[0], nq = query.shape[1], hd = dim / heads;
        var v = value_proj.call(value);
        var offsets = sampling_offsets.call(query).view(b, nq, heads, levels, points, 2);
        var weights = nn.functional.softmax(attention_weights.call(query).view(b, nq, heads, levels * points), -1)
            .view(b, nq, heads, levels, points);
        var sampled = new Tensor[levels];
        long start = 0;
        for (int l = 0; l < levels; l++)
        {
            var (h, w) = shapes[l];
            var vl = v.narrow(1, start, h * w).view(b, h * w, heads, hd).permute(0, 2, 3, 1).reshape(b * heads, hd, h, w);
            start += h * w;
            var norm = tensor(new float[] { w, h }, device: query.device);
            var loc = reference.view(1, nq, 1, 1, 2) + offsets.select(3, l) / norm;      // (B, Q, H, P, 2)
            var grid = (loc * 2 - 1).permute(0, 2, 1, 3, 4).reshape(b * heads, nq, points, 2);
            sampled[l] = nn.functional.grid_sample(vl, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros,
                align_corners: false); // (B·H, hd, Q, P)
        }
        var all = stack(sampled, -2).flatten(-2);                                        // (B·H, hd, Q, L·P)
        var attn = weights.permute(0, 2, 1, 3, 4).reshape(b * heads, 1, nq, levels * points);
        var o = (all * attn).sum(-1).view(b, heads * hd, nq).transpose(1, 2);
        return output_proj.call(o);
    }
}
