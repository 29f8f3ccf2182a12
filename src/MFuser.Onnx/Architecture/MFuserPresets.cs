namespace MFuser.Onnx.Architecture;

/// <summary>
/// Named architecture presets: <c>tiny</c> (trains on a 2-core CPU at 256×512), <c>small</c> (a laptop-GPU model),
/// <c>paper-l</c> (DINOv2-L + EVA02-CLIP-L at 512×512, the official MFuser configuration).
/// Baselines derive from any preset with <see cref="WithBaseline"/>.
/// </summary>
public static class MFuserPresets
{
    public static IReadOnlyList<string> Names { get; } = ["tiny", "small", "paper-l"];

    public static MFuserConfig Get(string name) => name switch
    {
        "tiny" => Tiny(),
        "small" => Small(),
        "paper-l" => PaperL(),
        _ => throw new ArgumentException($"unknown preset '{name}': expected one of {string.Join(", ", Names)}"),
    };

    /// <summary>Baselines of equal budget: <c>mfuser</c> (unchanged), <c>vfm-only</c>, <c>vlm-only</c>, <c>attention</c> (fusion by
    /// self-attention).</summary>
    public static IReadOnlyList<string> Baselines { get; } = ["mfuser", "vfm-only", "vlm-only", "attention"];

    public static MFuserConfig WithBaseline(MFuserConfig c, string baseline) => (baseline switch
    {
        "mfuser" => c,
        "vfm-only" => c with { Name = c.Name + "+vfm-only", Vlm = null },
        "vlm-only" => c with { Name = c.Name + "+vlm-only", Vfm = null },
        "attention" => c with { Name = c.Name + "+attention", Fusion = c.Fusion with { Kind = FusionKind.Attention } },
        _ => throw new ArgumentException($"unknown baseline '{baseline}': expected one of {string.Join(", ", Baselines)}"),
    }).Validate();

    /// <summary>
    /// CPU-trainable: 256×512 input, patch 32 (8×16 grid, 129 tokens per stream, masks at 32×64), width 64, 4 block
    /// pairs. Patch 32 rather than 14/16 keeps a training step around a second or two on 2 cores.
    /// </summary>
    public static MFuserConfig Tiny() => new MFuserConfig
    {
        Name = "tiny",
        ImageHeight = 256, ImageWidth = 512, PatchSize = 32, EmbedDim = 64,
        Vfm = new VfmEncoderConfig { Width = 64, Depth = 4, Heads = 2, MlpHidden = 256, LayerScaleInit = 1e-1 },
        Vlm = new VlmEncoderConfig { Width = 64, Depth = 4, Heads = 2, MlpHidden = 170 },
        Fusion = new FusionConfig { Kind = FusionKind.Mamba, DState = 8, AttentionHeads = 2 },
        PyramidLayers = [0, 1, 2, 3],
        TextEmbeddings = TextEmbeddingSource.Learned,
        ContextDecoder = new ContextDecoderConfig { Width = 64, Heads = 2, Layers = 1, DState = 8 },
        Decoder = new DecoderConfig
        {
            FeatChannels = 64, Heads = 4, PixelEncoderLayers = 1, PixelEncoderFfn = 128, DeformPoints = 4,
            TransformerLayers = 3, TransformerFfn = 128, GroupNormGroups = 8,
        },
    }.Validate();

    /// <summary>Mid-size: 512×512, patch 16, ViT-S-like width 384, 8 block pairs.</summary>
    public static MFuserConfig Small() => new MFuserConfig
    {
        Name = "small",
        ImageHeight = 512, ImageWidth = 512, PatchSize = 16, EmbedDim = 256,
        Vfm = new VfmEncoderConfig { Width = 384, Depth = 8, Heads = 6, MlpHidden = 1536 },
        Vlm = new VlmEncoderConfig { Width = 384, Depth = 8, Heads = 6, MlpHidden = 1024 },
        Fusion = new FusionConfig { Kind = FusionKind.Mamba, DState = 16, AttentionHeads = 6 },
        PyramidLayers = [1, 3, 5, 7],
        TextEmbeddings = TextEmbeddingSource.Learned,
        ContextDecoder = new ContextDecoderConfig { Width = 128, Heads = 4, Layers = 1, DState = 16 },
        Decoder = new DecoderConfig
        {
            FeatChannels = 128, Heads = 8, PixelEncoderLayers = 3, PixelEncoderFfn = 1024, DeformPoints = 4,
            TransformerLayers = 6, TransformerFfn = 1024, GroupNormGroups = 32,
        },
    }.Validate();

    /// <summary>The official configuration: DINOv2-L + EVA02-CLIP-L-14-336, 512×512, patch 14 (36×36 grid).</summary>
    public static MFuserConfig PaperL() => new MFuserConfig
    {
        Name = "paper-l",
        ImageHeight = 512, ImageWidth = 512, PatchSize = 14, EmbedDim = 768,
        Vfm = new VfmEncoderConfig { Width = 1024, Depth = 24, Heads = 16, MlpHidden = 4096 },
        Vlm = new VlmEncoderConfig { Width = 1024, Depth = 24, Heads = 16, MlpHidden = 2730, RopePretrainGrid = 16 },
        Fusion = new FusionConfig { Kind = FusionKind.Mamba, DState = 16, DConv = 3, Expand = 1, DtRank = 0, AttentionHeads = 16 },
        PyramidLayers = [7, 11, 15, 23],
        TextEmbeddings = TextEmbeddingSource.Constant,
        ContextDecoder = new ContextDecoderConfig { Width = 256, Heads = 4, Layers = 1, MlpRatio = 4, DState = 16 },
        Decoder = new DecoderConfig(),
    }.Validate();
}
