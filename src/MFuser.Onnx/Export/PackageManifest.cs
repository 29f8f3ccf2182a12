using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Architecture;

namespace MFuser.Onnx.Export;

/// <summary>The <see cref="ModelManifest"/> of an exported package, derived from the model's configuration; written
/// with the contract's <see cref="ManifestWriter"/>. The training fields start empty; the trainer fills them in.</summary>
public static class PackageManifest
{
    public static ModelManifest Create(MFuserConfig cfg, string name, string version, string onnxFile, string sha256,
        bool includeLogits, bool usesCustomOp, string provenance, ExternalWeights? externalWeights = null)
    {
        if (cfg.NumClasses != Cityscapes.Classes.Count)
            throw new ArgumentException($"config '{cfg.Name}' has {cfg.NumClasses} classes; the package class table is " +
                                        $"Cityscapes' {Cityscapes.Classes.Count}");
        IReadOnlyList<string> outputs = includeLogits ? [.. ModelManifest.RequiredOutputs, ModelIo.Logits] : ModelManifest.RequiredOutputs;
        return new ModelManifest(name, version, onnxFile, sha256, new InputSpec(ModelIo.Image, cfg.ImageHeight, cfg.ImageWidth), outputs,
            cfg.EmbedDim, Cityscapes.Classes,
            usesCustomOp ? new CustomOpRequirement(ModelIo.ScanLibrary, ModelIo.ScanDomain, (int)ModelIo.ScanDomainVersion) : null,
            Summary(cfg), new TrainingInfo(provenance, new Dictionary<string, double>()), DomainStatistics: null, externalWeights);
    }

    /// <summary>One line naming encoders, fusion, pyramid and decoder of <paramref name="cfg"/>.</summary>
    public static string Summary(MFuserConfig cfg)
    {
        var encoders = string.Join(" + ", new[]
        {
            cfg.Vfm is { } f ? $"DINOv2-style ViT {f.Width}x{f.Depth}" : null,
            cfg.Vlm is { } v ? $"EVA02-style ViT {v.Width}x{v.Depth}" : null,
        }.Where(s => s is not null));
        var fusion = cfg.Fusion.Kind switch
        {
            FusionKind.Mamba => $"MVFuser (d_state {cfg.Fusion.DState})",
            FusionKind.Attention => "attention fusion",
            _ => "no fusion",
        };
        return $"MFuser '{cfg.Name}': {encoders}, patch {cfg.PatchSize}, {fusion}, MTEnhancer {cfg.ContextDecoder.Width}, " +
               $"text-queried Mask2Former ({cfg.Decoder.TransformerLayers} layers), input {cfg.ImageHeight}x{cfg.ImageWidth}";
    }
}
