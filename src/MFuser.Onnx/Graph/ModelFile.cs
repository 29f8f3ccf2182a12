using Google.Protobuf;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Graph;

/// <summary>Serialises ONNX models.</summary>
public static class ModelFile
{
    public static byte[] ToBytes(ModelProto model) => model.ToByteArray();

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (external data, if any, must already sit beside it).</summary>
    public static void Save(ModelProto model, string path)
    {
        var size = model.CalculateSize();
        if (size < 0) throw new InvalidOperationException($"model for {path} exceeds protobuf's 2 GB limit: use an ExternalInitializerStore");
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        model.WriteTo(stream);
    }
}
