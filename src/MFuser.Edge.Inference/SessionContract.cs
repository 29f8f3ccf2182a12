using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Edge.Inference;

/// <summary>Checks a session's inputs and outputs against the model contract (docs/model-contract.md) and the manifest:
/// names, element types and shapes, each failure naming the tensor, the expected and the actual value.</summary>
internal static class SessionContract
{
    public static void Check(InferenceSession session, PackageDirectory package)
    {
        var m = package.Manifest;
        var file = package.OnnxPath;
        var h = m.Input.Height;
        var w = m.Input.Width;

        if (session.InputMetadata.Count != 1 || !session.InputMetadata.ContainsKey(ModelIo.Image))
            throw new ModelPackageException(file, "inputs", $"exactly one input named '{ModelIo.Image}'",
                string.Join(", ", session.InputMetadata.Keys.Select(k => $"'{k}'")));
        Tensor(file, "input", ModelIo.Image, session.InputMetadata[ModelIo.Image], TensorElementType.UInt8, [1, h, w, 3]);

        foreach (var name in m.Outputs)
        {
            if (!session.OutputMetadata.TryGetValue(name, out var meta))
                throw new ModelPackageException(file, $"output '{name}'", $"an output named '{name}' (declared in {ModelManifest.FileName})",
                    "outputs " + string.Join(", ", session.OutputMetadata.Keys.Select(k => $"'{k}'")));
            switch (name)
            {
                case "labels" or "confidence":
                    Tensor(file, "output", name, meta, TensorElementType.UInt8, [1, h, w]);
                    break;
                case "embedding":
                    Tensor(file, "output", name, meta, TensorElementType.Float, [1, m.EmbeddingDim]);
                    break;
                case ModelIo.Logits:
                    Tensor(file, "output", name, meta, TensorElementType.Float, [1, m.Classes.Count, -1, -1]);
                    break;
            }
        }
    }

    /// <summary>Checks element type and shape; an expected dimension of -1 accepts any size, and a symbolic
    /// (dynamic) dimension in the model is accepted for any expected size.</summary>
    private static void Tensor(string file, string role, string name, NodeMetadata meta, TensorElementType type, int[] shape)
    {
        if (!meta.IsTensor)
            throw new ModelPackageException(file, $"{role} '{name}' kind", "a tensor", meta.OnnxValueType.ToString());
        if (meta.ElementDataType != type)
            throw new ModelPackageException(file, $"{role} '{name}' element type", TypeName(type), TypeName(meta.ElementDataType));
        var dims = meta.Dimensions;
        var ok = dims.Length == shape.Length && dims.Zip(shape).All(p => p.First < 0 || p.Second < 0 || p.First == p.Second);
        if (!ok)
            throw new ModelPackageException(file, $"{role} '{name}' shape", Shape(shape, null), Shape(dims, meta.SymbolicDimensions));
    }

    private static string TypeName(TensorElementType t) => t switch
    {
        TensorElementType.UInt8 => "uint8",
        TensorElementType.Float => "float32",
        _ => t.ToString().ToLowerInvariant(),
    };

    private static string Shape(int[] dims, string[]? symbolic) =>
        "[" + string.Join(", ", dims.Select((d, i) => d >= 0 ? d.ToString() : symbolic is not null && i < symbolic.Length && symbolic[i].Length > 0
            ? symbolic[i] : "?")) + "]";
}
