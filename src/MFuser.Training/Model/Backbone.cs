using MFuser.Onnx.Architecture;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>Backbone outputs: the 4 pyramid levels (×4, ×2, ×1, ×½ of the patch grid) and the CLIP-space tokens.</summary>
public sealed record BackboneOutput(Tensor[] Pyramid, Tensor GlobalToken, Tensor VisualTokens);

/// <summary>
/// Both encoders in lock-step with a fuser after every block pair (research §1.2–1.6). Key layout as the official
/// <c>backbone.*</c>: EVA02 parts at the top (<c>patch_embed.proj</c>, <c>cls_token</c>, <c>pos_embed</c>, <c>rope</c>,
/// <c>blocks.i</c>, <c>norm</c>, <c>head</c>), DINOv2 under <c>dinov2.*</c>, fusers under <c>adapter.i</c>,
/// pyramid under <c>fpn1</c>/<c>fpn2</c>.
/// </summary>
public sealed class Backbone : nn.Module<Tensor, BackboneOutput>
{
    private readonly MFuserConfig cfg;
    private readonly Dinov2? dinov2;
    private readonly PatchEmbed? patch_embed;
    private readonly Parameter? clsToken, posEmbed;
    private readonly Rope2d? rope;
    private readonly ModuleList<EvaBlock>? blocks;
    private readonly LayerNorm? norm;
    private readonly Linear head;
    private readonly ModuleList<nn.Module<Tensor, Tensor>>? adapter;
    private readonly Sequential fpn1, fpn2;
    // TorchSharp puts every Tensor/Module field into the state dict under its field name, so fields are named as
    // the registered keys and constants that must not be saved are kept as plain arrays.
    private readonly float[] vfmScale, vfmShift;

    public Backbone(MFuserConfig cfg) : base("Backbone")
    {
        this.cfg = cfg;
        int w = cfg.Width, t = cfg.TokensPerStream;
        if (cfg.Vlm is { } vlm)
        {
            patch_embed = new PatchEmbed(w, cfg.PatchSize);
            register_module("patch_embed", patch_embed);
            clsToken = nn.Parameter(zeros(1, 1, w));
            posEmbed = nn.Parameter(zeros(1, t, w));
            Layers.TruncNormal(clsToken, 0.02);
            Layers.TruncNormal(posEmbed, 0.02);
            register_parameter("cls_token", clsToken);
            register_parameter("pos_embed", posEmbed);
            rope = new Rope2d(w / vlm.Heads, cfg.GridH, cfg.GridW, vlm.RopePretrainGrid);
            register_module("rope", rope);
            blocks = new ModuleList<EvaBlock>(Enumerable.Range(0, vlm.Depth).Select(_ => new EvaBlock(w, vlm.Heads, vlm.MlpHidden, rope)).ToArray());
            Layers.InitLinears(blocks);
            register_module("blocks", blocks);
            norm = nn.LayerNorm(w, 1e-6);
            register_module("norm", norm);
        }
        head = nn.Linear(w, cfg.EmbedDim);
        Layers.InitLinears(head);
        register_module("head", head);
        if (cfg.Vfm is { } vfm)
        {
            dinov2 = new Dinov2(cfg, vfm);
            register_module("dinov2", dinov2);
        }
        if (cfg.Fusion.Kind != FusionKind.None)
        {
            var f = cfg.Fusion;
            adapter = new ModuleList<nn.Module<Tensor, Tensor>>(Enumerable.Range(0, cfg.Depth).Select(_ => f.Kind == FusionKind.Mamba
                ? (nn.Module<Tensor, Tensor>)new MVFuser(w, f.DState, f.DConv, f.Expand, f.DtRankFor(w), f.Dropout, f.ScaleInit)
                : new AttentionFuser(w, f.AttentionHeads, f.Dropout, f.ScaleInit)).ToArray());
            register_module("adapter", adapter);
        }
        int c = cfg.PyramidChannels;
        fpn1 = Layers.Seq(("0", nn.ConvTranspose2d(c, c, 2, stride: 2)), ("1", nn.BatchNorm2d(c)), ("2", nn.GELU()),
                          ("3", nn.ConvTranspose2d(c, c, 2, stride: 2)));
        fpn2 = Layers.Seq(("0", nn.ConvTranspose2d(c, c, 2, stride: 2)));
        register_module("fpn1", fpn1);
        register_module("fpn2", fpn2);
        // DINO input = ImageNet-normalised RGB, computed from the CLIP-normalised input by one affine map per channel.
        vfmScale = Enumerable.Range(0, 3).Select(c => (float)(cfg.PixelStd[c] / cfg.VfmPixelStd[c])).ToArray();
        vfmShift = Enumerable.Range(0, 3).Select(c => (float)((cfg.PixelMean[c] - cfg.VfmPixelMean[c]) / cfg.VfmPixelStd[c])).ToArray();
    }

    /// <summary>True for names the official segmentor freezes: everything in the backbone except adapter/fpn.</summary>
    public static bool IsEncoderParameter(string nameInBackbone) =>
        !nameInBackbone.StartsWith("adapter.") && !nameInBackbone.StartsWith("fpn1.") && !nameInBackbone.StartsWith("fpn2.");

    /// <summary>x: CLIP-normalised RGB (B, 3, H, W).</summary>
    public override BackboneOutput forward(Tensor x)
    {
        int t = cfg.TokensPerStream;
        Tensor? xEva = null, xDino = null;
        if (patch_embed is not null)
        {
            var p = patch_embed.Project(x);
            xEva = cat([clsToken!.expand(x.shape[0], -1, -1), p], 1) + posEmbed!;
        }
        if (dinov2 is not null)
            xDino = dinov2.Embed(x * tensor(vfmScale, device: x.device).view(1, 3, 1, 1) + tensor(vfmShift, device: x.device).view(1, 3, 1, 1));
        var featureAt = new Dictionary<int, Tensor>();
        for (int i = 0; i < cfg.Depth; i++)
        {
            if (xEva is not null) xEva = blocks![i].call(xEva);
            if (xDino is not null) xDino = dinov2!.Block(i, xDino);
            if (adapter is not null)
            {
                // scan order [DINO cls, DINO patches, EVA cls, EVA patches] (quirk 5)
                var s = xDino is not null && xEva is not null ? cat([xDino, xEva], 1) : (xDino ?? xEva)!;
                var f = adapter[i].call(s);
                if (xDino is not null) xDino = xDino + f.narrow(1, 0, t);
                if (xEva is not null) xEva = xEva + f.narrow(1, xDino is not null ? t : 0, t);
            }
            if (cfg.PyramidLayers.Contains(i))
            {
                var maps = new[] { xDino, xEva }.Where(v => v is not null).Select(v => PatchMap(v!));
                featureAt[i] = cat(maps.ToArray(), 1);
            }
        }
        var byLayer = cfg.PyramidLayers.Select(l => featureAt[l]).ToArray();
        var pyramid = new[]
        {
            fpn1.call(byLayer[0]),
            fpn2.call(byLayer[1]),
            byLayer[2],
            nn.functional.max_pool2d(byLayer[3], 2, 2),
        };
        // CLIP-space tokens: EVA.norm(x_eva) + DINO.norm(x_dino) → EVA head (quirk 6)
        Tensor z = xEva is not null ? norm!.call(xEva) : zeros_like(xDino!);
        if (xDino is not null) z = z + dinov2!.Norm(xDino);
        z = head.call(z);
        return new BackboneOutput(pyramid, z.narrow(1, 0, 1), z.narrow(1, 1, t - 1));
    }

    private Tensor PatchMap(Tensor tokens) =>
        tokens.narrow(1, 1, cfg.Patches).transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], cfg.GridH, cfg.GridW);

    /// <summary>Holds the patch-embedding conv under the key <c>proj</c>.</summary>
    private sealed class PatchEmbed : nn.Module
    {
        private readonly Conv2d proj;
        public PatchEmbed(int width, int patch) : base("PatchEmbed")
        {
            proj = nn.Conv2d(3, width, patch, stride: patch);
            register_module("proj", proj);
        }
        /// <summary>(B, 3, H, W) → patch tokens (B, gridH·gridW, width), row-major.</summary>
        public Tensor Project(Tensor x) => proj.call(x).flatten(2).transpose(1, 2);
    }

    /// <summary>DINOv2 encoder: cls_token, pos_embed, mask_token (unused, kept for checkpoints), patch_embed, blocks, norm.</summary>
    private sealed class Dinov2 : nn.Module
    {
        private readonly Parameter cls_token, pos_embed, mask_token;
        private readonly PatchEmbed patch_embed;
        private readonly ModuleList<DinoBlock> blocks;
        private readonly LayerNorm norm;
        public Dinov2(MFuserConfig cfg, VfmEncoderConfig vfm) : base("DinoVisionTransformer")
        {
            int w = vfm.Width;
            cls_token = nn.Parameter(zeros(1, 1, w));
            pos_embed = nn.Parameter(zeros(1, cfg.TokensPerStream, w));
            mask_token = nn.Parameter(zeros(1, w));
            Layers.TruncNormal(pos_embed, 0.02);
            using (no_grad()) nn.init.normal_(cls_token, 0, 1e-6);
            patch_embed = new PatchEmbed(w, cfg.PatchSize);
            blocks = new ModuleList<DinoBlock>(Enumerable.Range(0, vfm.Depth)
                .Select(_ => new DinoBlock(w, vfm.Heads, vfm.MlpHidden, vfm.LayerScaleInit)).ToArray());
            Layers.InitLinears(blocks);
            norm = nn.LayerNorm(w, 1e-6);
            register_parameter("cls_token", cls_token);
            register_parameter("pos_embed", pos_embed);
            register_parameter("mask_token", mask_token);
            register_module("patch_embed", patch_embed);
            register_module("blocks", blocks);
            register_module("norm", norm);
        }
        public Tensor Embed(Tensor x)
        {
            var p = patch_embed.Project(x);
            return cat([cls_token.expand(x.shape[0], -1, -1), p], 1) + pos_embed;
        }
        public Tensor Block(int i, Tensor x) => blocks[i].call(x);
        public Tensor Norm(Tensor x) => norm.call(x);
    }
}
