using MFuser.Onnx.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>Per-layer predictions of the decode head: class logits (B, K, K+1) and mask logits (B, K, h0, w0).</summary>
public sealed record HeadOutput(Tensor[] ClassLogits, Tensor[] MaskLogits);

/// <summary>
/// Text-queried Mask2Former head (research §5.2): queries = text_proj(T) (one per class), positional query
/// query_embed, masked-attention decoder layers (cross-attn, norm, self-attn, norm, FFN, norm) cycling through the
/// three pixel-decoder levels, a prediction (post_norm → cls_embed / mask_embed · mask features) before the first
/// layer and after each. The attention mask is additive (−1e4 where sigmoid(mask) &lt; 0.5, rows never fully blocked).
/// </summary>
public sealed class DecodeHead : nn.Module
{
    private readonly PixelDecoder pixel_decoder;
    private readonly TransformerDecoder transformer_decoder;
    private readonly Embedding query_embed, level_embed;
    private readonly Sequential text_proj, mask_embed;
    private readonly Linear cls_embed;
    private readonly int heads, feat;

    /// <summary>Additive attention-mask value for blocked positions (finite so fp16 engines stay finite).</summary>
    public const float MaskedValue = -1e4f;

    public DecodeHead(MFuserConfig cfg) : base("DecodeHead")
    {
        var d = cfg.Decoder;
        heads = d.Heads; feat = d.FeatChannels;
        pixel_decoder = new PixelDecoder(cfg);
        transformer_decoder = new TransformerDecoder(d);
        query_embed = nn.Embedding(cfg.NumClasses, feat);
        level_embed = nn.Embedding(3, feat);
        text_proj = Layers.Seq(("0", nn.Linear(cfg.EmbedDim, feat)), ("1", nn.ReLU()), ("2", nn.Linear(feat, feat)));
        cls_embed = nn.Linear(feat, cfg.NumClasses + 1);
        mask_embed = Layers.Seq(("0", nn.Linear(feat, feat)), ("1", nn.ReLU()), ("2", nn.Linear(feat, feat)), ("3", nn.ReLU()),
                                ("4", nn.Linear(feat, feat)));
        register_module("pixel_decoder", pixel_decoder);
        register_module("transformer_decoder", transformer_decoder);
        register_module("query_embed", query_embed);
        register_module("level_embed", level_embed);
        register_module("text_proj", text_proj);
        register_module("cls_embed", cls_embed);
        register_module("mask_embed", mask_embed);
    }

    public HeadOutput call(Tensor[] pyramid, Tensor text)
    {
        var (maskFeatures, levels) = pixel_decoder.call(pyramid, text);
        long b = text.shape[0];
        var memories = new Tensor[3]; var memPos = new Tensor[3];
        for (int i = 0; i < 3; i++)
        {
            int h = (int)levels[i].shape[2], w = (int)levels[i].shape[3];
            memories[i] = levels[i].flatten(2).transpose(1, 2) + level_embed.weight.narrow(0, i, 1);
            memPos[i] = SinePosition.Encode(h, w, feat).to(text.device).flatten(2).transpose(1, 2);
        }
        var q = text_proj.call(text);
        var qPos = query_embed.weight.unsqueeze(0).expand(b, -1, -1);
        var classes = new List<Tensor>(); var masks = new List<Tensor>();
        var (cls, mask, attnMask) = Predict(q, maskFeatures, levels[0]);
        classes.Add(cls); masks.Add(mask);
        for (int i = 0; i < transformer_decoder.Count; i++)
        {
            int lvl = i % 3;
            q = transformer_decoder.Layer(i, q, qPos, memories[lvl], memPos[lvl], attnMask);
            (cls, mask, attnMask) = Predict(q, maskFeatures, levels[(i + 1) % 3]);
            classes.Add(cls); masks.Add(mask);
        }
        return new HeadOutput(classes.ToArray(), masks.ToArray());
    }

    private (Tensor cls, Tensor mask, Tensor attnMask) Predict(Tensor q, Tensor maskFeatures, Tensor nextLevel)
    {
        var o = transformer_decoder.PostNorm(q);
        var cls = cls_embed.call(o);
        var me = mask_embed.call(o);
        long b = q.shape[0], k = q.shape[1];
        var mask = bmm(me, maskFeatures.flatten(2)).view(b, k, maskFeatures.shape[2], maskFeatures.shape[3]);
        Tensor attnMask;
        using (no_grad())
        {
            var small = nn.functional.interpolate(mask, [nextLevel.shape[2], nextLevel.shape[3]], mode: InterpolationMode.Bilinear,
                align_corners: false);
            var blocked = small.sigmoid().flatten(2) < 0.5;                         // (B, K, HW)
            var full = blocked.all(-1, keepdim: true);
            blocked = blocked.logical_and(full.logical_not());
            attnMask = where(blocked, MaskedValue, 0f).unsqueeze(1);               // (B, 1, K, HW) broadcast over heads
        }
        return (cls, mask, attnMask);
    }

    /// <summary>Mask2Former transformer decoder: <c>layers.i</c> (attentions.0 cross, attentions.1 self, ffns.0, norms.0-2) +
    /// <c>post_norm</c>.</summary>
    private sealed class TransformerDecoder : nn.Module
    {
        private readonly ModuleList<DecoderLayer> layers;
        private readonly LayerNorm post_norm;
        public TransformerDecoder(DecoderConfig d) : base("TransformerDecoder")
        {
            layers = new ModuleList<DecoderLayer>(Enumerable.Range(0, d.TransformerLayers).Select(_ => new DecoderLayer(d)).ToArray());
            post_norm = nn.LayerNorm(d.FeatChannels);
            register_module("layers", layers);
            register_module("post_norm", post_norm);
        }
        public int Count => layers.Count;
        public Tensor PostNorm(Tensor q) => post_norm.call(q);
        public Tensor Layer(int i, Tensor q, Tensor qPos, Tensor mem, Tensor memPos, Tensor attnMask) =>
            layers[i].call(q, qPos, mem, memPos, attnMask);
    }

    private sealed class DecoderLayer : nn.Module
    {
        private readonly ModuleList<nn.Module> attentions;   // 0: masked cross-attention, 1: self-attention
        private readonly ModuleList<MmcvFfn> ffns;
        private readonly ModuleList<LayerNorm> norms;
        public DecoderLayer(DecoderConfig d) : base("DecoderLayer")
        {
            attentions = new ModuleList<nn.Module>(new MmcvMha(d.FeatChannels, d.Heads), new MmcvMha(d.FeatChannels, d.Heads));
            register_module("attentions", attentions);
            ffns = new ModuleList<MmcvFfn>(new MmcvFfn(d.FeatChannels, d.TransformerFfn));
            norms = new ModuleList<LayerNorm>(Enumerable.Range(0, 3).Select(_ => nn.LayerNorm(d.FeatChannels)).ToArray());
            register_module("ffns", ffns);
            register_module("norms", norms);
        }
        public Tensor call(Tensor q, Tensor qPos, Tensor mem, Tensor memPos, Tensor attnMask)
        {
            q = norms[0].call(q + ((MmcvMha)attentions[0]).call(q + qPos, mem + memPos, mem, attnMask));
            var s = q + qPos;
            q = norms[1].call(q + ((MmcvMha)attentions[1]).call(s, s, q));
            return norms[2].call(q + ffns[0].call(q));
        }
    }
}
