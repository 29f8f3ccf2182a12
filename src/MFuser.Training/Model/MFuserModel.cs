using MFuser.Onnx.Architecture;
using TorchSharp;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>Everything one forward pass produces.</summary>
/// <param name="Head">Per-layer class and mask logits (all used by the training losses; the last one at inference).</param>
/// <param name="SegLogits">Per-class scores Σ_q softmax(cls)[q,c]·sigmoid(mask)[q] of the last layer, (B, K, h0, w0).</param>
/// <param name="Embedding">Global CLIP-space token (B, E): the domain-shift statistic of the model contract.</param>
/// <param name="ScoreMap">Cosine similarity of visual tokens and text, (B, K, gridH, gridW) (auxiliary identity loss).</param>
public sealed record MFuserOutput(HeadOutput Head, Tensor SegLogits, Tensor Embedding, Tensor ScoreMap);

/// <summary>
/// MFuser segmentor (research §1): backbone (two encoders + per-block fusers + pyramid), class text embeddings T0,
/// ContextDecoder/MTEnhancer refining them (T = T0 + γ ⊙ diff), and the text-queried Mask2Former head.
/// Top-level keys: <c>backbone.*</c>, <c>context_decoder.*</c>, <c>decode_head.*</c>, <c>gamma</c>, <c>text_embeddings</c>
/// (or, with the text prior, <c>text_prior.table</c> and <c>text_prior.proj.*</c>).
/// </summary>
public sealed class MFuserModel : nn.Module<Tensor, MFuserOutput>
{
    public MFuserConfig Config { get; }
    public Backbone Backbone { get; }
    private readonly ContextDecoder context_decoder;
    private readonly DecodeHead decode_head;
    private readonly TorchSharp.Modules.Parameter gamma;
    private readonly Tensor? text_embeddings;
    private readonly TextPrior.TextPriorProjection? text_prior;

    /// <summary>Temperature of the auxiliary score map (official τ = 0.07).</summary>
    public const double ScoreTemperature = 0.07;

    public MFuserModel(MFuserConfig cfg) : base("MFuser")
    {
        Config = cfg.Validate();
        Backbone = new Backbone(cfg);
        context_decoder = new ContextDecoder(cfg);
        decode_head = new DecodeHead(cfg);
        gamma = nn.Parameter(empty(cfg.EmbedDim));
        Layers.TruncNormal(gamma, 1.0);   // quirk 9: γ starts ~ N(0,1) truncated to ±2
        register_module("backbone", Backbone);
        register_module("context_decoder", context_decoder);
        register_module("decode_head", decode_head);
        register_parameter("gamma", gamma);
        var t0 = empty(1, cfg.NumClasses, cfg.EmbedDim);
        Layers.TruncNormal(t0, 1.0);
        if (cfg.TextEmbeddings == TextEmbeddingSource.Projected)
        {
            text_prior = new TextPrior.TextPriorProjection(cfg, TextPrior.ClassTextTable.Bundled);   // T0 = proj(pretrained table)
            register_module("text_prior", text_prior);
        }
        else if (cfg.TextEmbeddings == TextEmbeddingSource.Learned)
        {
            var p = nn.Parameter(t0);
            register_parameter("text_embeddings", p);
            text_embeddings = p;
        }
        else
        {
            text_embeddings = t0;      // replaced by the precomputed T0 of the frozen text tower when weights are loaded
            register_buffer("text_embeddings", text_embeddings);
        }
        Layers.ResetNorms(this);
    }

    /// <summary>x: CLIP-normalised RGB (B, 3, H, W) at the config's resolution.</summary>
    public override MFuserOutput forward(Tensor x)
    {
        var cfg = Config;
        if (x.dim() != 4 || x.shape[1] != 3 || x.shape[2] != cfg.ImageHeight || x.shape[3] != cfg.ImageWidth)
            throw new ArgumentException($"input must be (B, 3, {cfg.ImageHeight}, {cfg.ImageWidth}), got ({string.Join(", ", x.shape)})");
        var bb = Backbone.call(x);
        long b = x.shape[0];
        var t0 = (text_prior?.call() ?? text_embeddings!).expand(b, -1, -1);
        var visualContext = cat([bb.GlobalToken, bb.VisualTokens], 1);
        var text = t0 + gamma * context_decoder.call(t0, visualContext);
        var head = decode_head.call(bb.Pyramid, text);
        var seg = SemanticScores(head.ClassLogits[^1], head.MaskLogits[^1]);
        var visual = nn.functional.normalize(bb.VisualTokens, dim: -1);
        var score = bmm(nn.functional.normalize(text, dim: -1), visual.transpose(1, 2))
            .view(b, cfg.NumClasses, cfg.GridH, cfg.GridW);
        return new MFuserOutput(head, seg, bb.GlobalToken.squeeze(1), score);
    }

    /// <summary>seg[b,c] = Σ_q softmax(cls)[b,q,c] · sigmoid(mask)[b,q] (no-object column dropped).</summary>
    public static Tensor SemanticScores(Tensor classLogits, Tensor maskLogits)
    {
        long k = classLogits.shape[2] - 1;
        var pc = nn.functional.softmax(classLogits, -1).narrow(2, 0, k);            // (B, Q, K)
        var pm = maskLogits.sigmoid();                                             // (B, Q, h, w)
        long b = pm.shape[0], q = pm.shape[1], h = pm.shape[2], w = pm.shape[3];
        return bmm(pc.transpose(1, 2), pm.view(b, q, h * w)).view(b, k, h, w);
    }

    /// <summary>Label map (B, H, W) at input resolution: arg-max of the bilinearly upsampled class scores.</summary>
    public Tensor Predict(Tensor x)
    {
        using var _ = no_grad();
        var seg = forward(x).SegLogits;
        var up = nn.functional.interpolate(seg, [Config.ImageHeight, Config.ImageWidth], mode: InterpolationMode.Bilinear, align_corners: false);
        return up.argmax(1);
    }
}
