using System.Text.Json;
using System.Text.Json.Serialization;

namespace MFuser.Onnx.Architecture;

/// <summary>How the two encoder streams are fused after each block pair.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<FusionKind>))]
public enum FusionKind
{
    /// <summary>MVFuser: the official Mamba mixer over the concatenated token sequence.</summary>
    Mamba,
    /// <summary>Baseline: one pre-norm multi-head self-attention over the concatenated sequence, scaled like MVFuser.</summary>
    Attention,
    /// <summary>Baseline: no fusion; the streams only meet in the pyramid and the CLIP-space embedding.</summary>
    None,
}

/// <summary>Where the class text embeddings T0 come from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<TextEmbeddingSource>))]
public enum TextEmbeddingSource
{
    /// <summary>A trainable parameter <c>text_embeddings</c> (classes × embed), trunc-normal std 1 (small presets).</summary>
    Learned,
    /// <summary>A constant buffer <c>text_embeddings</c>, precomputed offline by the frozen text tower (paper-l).</summary>
    Constant,
    /// <summary>A constant table of a pretrained text encoder (<c>text_prior.table</c>) through a trainable Linear
    /// (<c>text_prior.proj</c>); the exporter is given the product as <c>text_embeddings</c>, a constant of the graph.</summary>
    Projected,
}

/// <summary>DINOv2-style ViT (pre-norm, LayerScale, GELU MLP, fused qkv with bias).</summary>
public sealed record VfmEncoderConfig
{
    public required int Width { get; init; }
    public required int Depth { get; init; }
    public required int Heads { get; init; }
    public required int MlpHidden { get; init; }
    public double LayerScaleInit { get; init; } = 1e-5;
}

/// <summary>EVA02-CLIP-style ViT (2-D RoPE, q/v biases, sub-LN attention, sub-LN SwiGLU MLP, CLIP head).</summary>
public sealed record VlmEncoderConfig
{
    public required int Width { get; init; }
    public required int Depth { get; init; }
    public required int Heads { get; init; }
    /// <summary>SwiGLU hidden width (paper-l: int(1024·2.6667) = 2730).</summary>
    public required int MlpHidden { get; init; }
    /// <summary>Grid side of the RoPE pre-training resolution; positions are rescaled to it (paper-l: 16). 0 = the model's own grid.</summary>
    public int RopePretrainGrid { get; init; }
}

/// <summary>MVFuser (Mamba mixer) / attention-fusion hyper-parameters.</summary>
public sealed record FusionConfig
{
    public required FusionKind Kind { get; init; }
    public int DState { get; init; } = 16;
    public int DConv { get; init; } = 3;
    public int Expand { get; init; } = 1;
    /// <summary>Rank of the Δ projection; 0 = "auto" = ceil(d_model / 16).</summary>
    public int DtRank { get; init; }
    public double Dropout { get; init; } = 0.1;
    public double ScaleInit { get; init; } = 1e-3;
    /// <summary>Heads of the attention-fusion baseline (unused for Mamba).</summary>
    public int AttentionHeads { get; init; } = 4;

    /// <summary>Δ rank for a mixer of width <paramref name="dModel"/>.</summary>
    public int DtRankFor(int dModel) => DtRank > 0 ? DtRank : (dModel + 15) / 16;
}

/// <summary>MTEnhancer / ContextDecoder (text self-attention, then conditional Mamba over [text, image, text]).</summary>
public sealed record ContextDecoderConfig
{
    public int Width { get; init; } = 256;
    public int Heads { get; init; } = 4;
    public int Layers { get; init; } = 1;
    public int MlpRatio { get; init; } = 4;
    public int DState { get; init; } = 16;
}

/// <summary>Text-queried Mask2Former decoder (pixel decoder with deformable encoder + masked-attention decoder).</summary>
public sealed record DecoderConfig
{
    public int FeatChannels { get; init; } = 256;
    public int Heads { get; init; } = 8;
    public int PixelEncoderLayers { get; init; } = 6;
    public int PixelEncoderFfn { get; init; } = 2048;
    public int DeformPoints { get; init; } = 4;
    public int TransformerLayers { get; init; } = 9;
    public int TransformerFfn { get; init; } = 2048;
    public int GroupNormGroups { get; init; } = 32;
}

/// <summary>
/// Architecture hyper-parameters of one MFuser model: everything the trainer needs to build it and the ONNX
/// exporter needs to rebuild its graph from a checkpoint. Saved as <c>config.json</c> next to every checkpoint.
/// Parameter names of the modules follow the official state-dict keys (docs/export.md).
/// </summary>
public sealed record MFuserConfig
{
    public required string Name { get; init; }
    public required int ImageHeight { get; init; }
    public required int ImageWidth { get; init; }
    public required int PatchSize { get; init; }
    public int NumClasses { get; init; } = 19;
    /// <summary>CLIP embedding width (EVA head output, text embedding width).</summary>
    public required int EmbedDim { get; init; }
    /// <summary>DINOv2-style encoder, or null for a VLM-only model.</summary>
    public VfmEncoderConfig? Vfm { get; init; }
    /// <summary>EVA02-style encoder, or null for a VFM-only model.</summary>
    public VlmEncoderConfig? Vlm { get; init; }
    public required FusionConfig Fusion { get; init; }
    /// <summary>Block indices (0-based) whose fused outputs feed the 4-level pyramid (×4, ×2, ×1, ×½).</summary>
    public required int[] PyramidLayers { get; init; }
    public TextEmbeddingSource TextEmbeddings { get; init; } = TextEmbeddingSource.Learned;
    public required ContextDecoderConfig ContextDecoder { get; init; }
    public required DecoderConfig Decoder { get; init; }
    /// <summary>Input normalisation (RGB, 0–255 scale): OpenAI-CLIP statistics, as the official data pipeline.</summary>
    public double[] PixelMean { get; init; } = [122.771, 116.746, 104.094];
    public double[] PixelStd { get; init; } = [68.501, 66.632, 70.323];
    /// <summary>Per-frame alignment of the input statistics to the source domain's before normalisation; null = off.</summary>
    public Contract.InputAlignment? InputAlignment { get; init; }
    /// <summary>DINO branch re-normalisation (RGB, 0–255 scale): ImageNet statistics.</summary>
    public double[] VfmPixelMean { get; init; } = [123.675, 116.28, 103.53];
    public double[] VfmPixelStd { get; init; } = [58.395, 57.12, 57.375];

    [JsonIgnore] public int GridH => ImageHeight / PatchSize;
    [JsonIgnore] public int GridW => ImageWidth / PatchSize;
    [JsonIgnore] public int Patches => GridH * GridW;
    /// <summary>Tokens per stream (CLS + patches).</summary>
    [JsonIgnore] public int TokensPerStream => Patches + 1;
    [JsonIgnore] public int StreamCount => (Vfm is null ? 0 : 1) + (Vlm is null ? 0 : 1);
    /// <summary>Token width shared by the present streams.</summary>
    [JsonIgnore] public int Width => Vfm?.Width ?? Vlm!.Width;
    [JsonIgnore] public int Depth => Vfm?.Depth ?? Vlm!.Depth;
    /// <summary>Channels of each pyramid level: the present streams' patch maps concatenated (VFM first).</summary>
    [JsonIgnore] public int PyramidChannels => Width * StreamCount;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first inconsistent field.</summary>
    public MFuserConfig Validate()
    {
        void Check(bool ok, string what) { if (!ok) throw new ArgumentException($"config '{Name}': {what}"); }
        Check(Vfm is not null || Vlm is not null, "at least one of Vfm/Vlm must be present");
        Check(Vfm is null || Vlm is null || (Vfm.Width == Vlm.Width && Vfm.Depth == Vlm.Depth),
            $"Vfm and Vlm must share width and depth for lock-step fusion (Vfm {Vfm?.Width}x{Vfm?.Depth}, Vlm {Vlm?.Width}x{Vlm?.Depth})");
        Check(PatchSize > 0 && ImageHeight >= PatchSize * 2 && ImageWidth >= PatchSize * 2,
            $"image {ImageHeight}x{ImageWidth} too small for patch {PatchSize}");
        Check(GridH % 2 == 0 && GridW % 2 == 0, $"patch grid {GridH}x{GridW} must be even (max-pool pyramid level)");
        if (Vfm is not null) Check(Vfm.Width % Vfm.Heads == 0, $"Vfm width {Vfm.Width} not divisible by heads {Vfm.Heads}");
        if (Vlm is not null)
        {
            Check(Vlm.Width % Vlm.Heads == 0, $"Vlm width {Vlm.Width} not divisible by heads {Vlm.Heads}");
            Check(Vlm.Width / Vlm.Heads % 4 == 0, $"Vlm head dim {Vlm.Width / Vlm.Heads} must be a multiple of 4 (2-D RoPE)");
        }
        Check(PyramidLayers.Length == 4, $"PyramidLayers needs 4 entries, got {PyramidLayers.Length}");
        Check(PyramidLayers.All(l => l >= 0 && l < Depth), $"PyramidLayers [{string.Join(",", PyramidLayers)}] outside 0..{Depth - 1}");
        Check(Fusion.Expand * Width % 2 == 0, "Fusion.Expand·Width must be even (x/z split)");
        Check(ContextDecoder.Width % ContextDecoder.Heads == 0, "ContextDecoder width not divisible by heads");
        Check(ContextDecoder.Layers >= 1, $"ContextDecoder needs at least 1 layer, got {ContextDecoder.Layers}");
        Check(Decoder.FeatChannels % Decoder.Heads == 0, "Decoder.FeatChannels not divisible by Heads");
        Check(Decoder.FeatChannels % Decoder.GroupNormGroups == 0, "Decoder.FeatChannels not divisible by GroupNormGroups");
        Check(PixelMean.Length == 3 && PixelStd.Length == 3 && VfmPixelMean.Length == 3 && VfmPixelStd.Length == 3,
            "pixel statistics need 3 channels");
        try { InputAlignment?.Validate(); }
        catch (ArgumentException e) { Check(false, e.Message); }
        return this;
    }

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static MFuserConfig FromJson(string json, string source = "config.json") =>
        (JsonSerializer.Deserialize<MFuserConfig>(json, Json) ?? throw new ArgumentException($"{source}: empty config")).Validate();

    public void Save(string path) => File.WriteAllText(path, ToJson());

    public static MFuserConfig Load(string path) => FromJson(File.ReadAllText(path), path);
}
