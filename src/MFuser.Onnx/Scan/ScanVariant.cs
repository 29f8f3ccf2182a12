namespace MFuser.Onnx.Scan;

/// <summary>How the selective scan is written into a graph. All three come from <see cref="SelectiveScan.Emit"/>.</summary>
public enum ScanVariant
{
    /// <summary><c>com.mfuser::SelectiveScan</c>, run by the custom-op library (<c>libmfuser_ops.so</c>) in ORT. File <c>model.onnx</c>.</summary>
    Fused,

    /// <summary>The same node rewritten for ORT's TensorRT EP (<c>trt.plugins</c>, compacted inputs). File <c>model.trt.onnx</c>.</summary>
    TensorRt,

    /// <summary>The two-level log-depth scan in standard ONNX ops: runs on any runtime. File <c>model.portable.onnx</c>.</summary>
    Portable,
}

/// <summary>File names of the three variants inside a model package.</summary>
public static class ScanVariantFiles
{
    public static string FileName(this ScanVariant variant) => variant switch
    {
        ScanVariant.Fused => "model.onnx",
        ScanVariant.TensorRt => "model.trt.onnx",
        ScanVariant.Portable => "model.portable.onnx",
        _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
    };
}
