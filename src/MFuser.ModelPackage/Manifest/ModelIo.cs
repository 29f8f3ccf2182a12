namespace MFuser.ModelPackage.Manifest;

/// <summary>Tensor names and fixed facts of the model-package I/O contract (docs/model-contract.md).</summary>
public static class ModelIo
{
    public const string Image = "image";
    public const string Labels = "labels";
    public const string Confidence = "confidence";
    public const string Embedding = "embedding";
    public const string Logits = "logits";

    /// <summary>Domain, version and library of the fused selective-scan operator (docs/selective-scan.md).</summary>
    public const string ScanDomain = "com.mfuser";
    public const long ScanDomainVersion = 1;
    public const string ScanOpType = "SelectiveScan";
    public const string ScanLibrary = "libmfuser_ops.so";

    /// <summary>The TensorRT rewrite of the scan node: ORT's TensorRT EP maps <c>trt.plugins</c> nodes to plugin creators.</summary>
    public const string TrtPluginDomain = "trt.plugins";
    public const string TrtPluginNamespace = "mfuser";
    public const string TrtPluginVersion = "1";
}
