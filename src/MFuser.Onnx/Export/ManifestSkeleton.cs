using System.Text.Json;
using System.Text.Json.Nodes;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;

namespace MFuser.Onnx.Export;

/// <summary>
/// Writes the package manifest <c>model.json</c> in the shape read by the daemon's ManifestReader
/// (src/MFuser.Edge.Core/Models, format_version 1). The exporter must not reference the daemon projects, so the
/// JSON shape is mirrored here; the training fields are a skeleton that the training run fills in (provenance, mIoU).
/// </summary>
public static class ManifestSkeleton
{
    public const int FormatVersion = 1;

    /// <summary>Cityscapes 19-class train-id table (id, name, RGB colour, drivable), DESIGN.md §3.</summary>
    public static IReadOnlyList<(int Id, string Name, byte R, byte G, byte B, bool Drivable)> CityscapesClasses { get; } =
    [
        (0, "road", 128, 64, 128, true), (1, "sidewalk", 244, 35, 232, false), (2, "building", 70, 70, 70, false),
        (3, "wall", 102, 102, 156, false), (4, "fence", 190, 153, 153, false), (5, "pole", 153, 153, 153, false),
        (6, "traffic light", 250, 170, 30, false), (7, "traffic sign", 220, 220, 0, false), (8, "vegetation", 107, 142, 35, false),
        (9, "terrain", 152, 251, 152, false), (10, "sky", 70, 130, 180, false), (11, "person", 220, 20, 60, false),
        (12, "rider", 255, 0, 0, false), (13, "car", 0, 0, 142, false), (14, "truck", 0, 0, 70, false),
        (15, "bus", 0, 60, 100, false), (16, "train", 0, 80, 100, false), (17, "motorcycle", 0, 0, 230, false),
        (18, "bicycle", 119, 11, 32, false),
    ];

    public static JsonObject Build(MFuserConfig cfg, string name, string version, string onnxFile, string sha256,
        bool includeLogits, bool usesCustomOp, string provenance, string? domainStatistics = null,
        (string File, string Sha256)? externalWeights = null)
    {
        if (cfg.NumClasses != CityscapesClasses.Count)
            throw new ArgumentException($"config '{cfg.Name}' has {cfg.NumClasses} classes; the package class table is Cityscapes' {CityscapesClasses.Count}");
        var outputs = new JsonArray(ModelIo.Labels, ModelIo.Confidence, ModelIo.Embedding);
        if (includeLogits) outputs.Add(ModelIo.Logits);
        return new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["name"] = name,
            ["version"] = version,
            ["onnx"] = externalWeights is { } w
                ? new JsonObject { ["file"] = onnxFile, ["sha256"] = sha256, ["external_data"] = new JsonObject { ["file"] = w.File, ["sha256"] = w.Sha256 } }
                : new JsonObject { ["file"] = onnxFile, ["sha256"] = sha256 },
            ["input"] = new JsonObject
            {
                ["name"] = ModelIo.Image, ["dtype"] = "uint8", ["color_order"] = "BGR",
                ["shape"] = new JsonArray(1, cfg.ImageHeight, cfg.ImageWidth, 3),
            },
            ["outputs"] = outputs,
            ["embedding_dim"] = cfg.EmbedDim,
            ["classes"] = new JsonArray(CityscapesClasses.Select(c => (JsonNode)new JsonObject
            {
                ["id"] = c.Id, ["name"] = c.Name, ["color"] = new JsonArray(c.R, c.G, c.B), ["drivable"] = c.Drivable,
            }).ToArray()),
            ["custom_op"] = usesCustomOp
                ? new JsonObject { ["library"] = ModelIo.ScanLibrary, ["domain"] = ModelIo.ScanDomain, ["min_version"] = ModelIo.ScanDomainVersion }
                : null,
            ["architecture"] = new JsonObject { ["summary"] = Summary(cfg) },
            ["training"] = new JsonObject { ["provenance"] = provenance, ["miou"] = new JsonObject() },
            ["domain_statistics"] = domainStatistics,
        };
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

    public static string ToJson(JsonObject manifest) => manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
