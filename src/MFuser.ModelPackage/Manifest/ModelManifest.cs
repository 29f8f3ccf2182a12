using MFuser.ModelPackage.Classes;

namespace MFuser.ModelPackage.Manifest;

/// <summary>The model input as the manifest declares it: uint8 <c>[1, Height, Width, 3]</c> BGR.</summary>
public sealed record InputSpec(string Name, int Height, int Width);

/// <summary>A native custom-op library the model needs (the selective-scan op, docs/model-contract.md).</summary>
public sealed record CustomOpRequirement(string Library, string Domain, int MinVersion);

/// <summary>The shared external-data file holding the weights of the package's ONNX variants (ONNX external data,
/// referenced by location from each graph), with its SHA-256.</summary>
public sealed record ExternalWeights(string File, string Sha256);

/// <summary>Where the model came from and how well it segments, per evaluation domain.</summary>
public sealed record TrainingInfo(string Provenance, IReadOnlyDictionary<string, double> MIoU);

/// <summary>The parsed <c>model.json</c> of a model package (docs/model-contract.md).</summary>
public sealed record ModelManifest(
    string Name,
    string Version,
    string OnnxFile,
    string Sha256,
    InputSpec Input,
    IReadOnlyList<string> Outputs,
    int EmbeddingDim,
    IReadOnlyList<ClassInfo> Classes,
    CustomOpRequirement? CustomOp,
    string Architecture,
    TrainingInfo Training,
    string? DomainStatistics,
    ExternalWeights? Weights = null)
{
    /// <summary>The manifest file name inside a package directory.</summary>
    public const string FileName = "model.json";

    /// <summary>The only manifest format this daemon reads.</summary>
    public const int FormatVersion = 1;

    /// <summary>Output names every package must provide (docs/model-contract.md).</summary>
    public static IReadOnlyList<string> RequiredOutputs { get; } = [ModelIo.Labels, ModelIo.Confidence, ModelIo.Embedding];

    public bool HasLogits => Outputs.Contains(ModelIo.Logits);
}
