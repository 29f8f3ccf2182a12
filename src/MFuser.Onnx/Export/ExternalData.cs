using Google.Protobuf;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Export;

/// <summary>Helpers for ONNX external-data initializers.</summary>
public static class ExternalData
{
    /// <summary>Reads every external initializer of <paramref name="model"/> (files relative to <paramref name="baseDirectory"/>) into
    /// raw_data.</summary>
    public static void Inline(ModelProto model, string baseDirectory)
    {
        var handles = new Dictionary<string, FileStream>(StringComparer.Ordinal);
        try
        {
            foreach (var tensor in model.Graph.Initializer)
            {
                if (tensor.DataLocation != TensorProto.Types.DataLocation.External) continue;
                var info = tensor.ExternalData.ToDictionary(e => e.Key, e => e.Value);
                var location = info["location"];
                var offset = info.TryGetValue("offset", out var o) ? long.Parse(o) : 0;
                var length = long.Parse(info["length"]);
                if (!handles.TryGetValue(location, out var file))
                    handles[location] = file = File.OpenRead(Path.Combine(baseDirectory, location));
                var bytes = new byte[length];
                file.Position = offset;
                file.ReadExactly(bytes);
                tensor.ExternalData.Clear();
                tensor.DataLocation = TensorProto.Types.DataLocation.Default;
                tensor.RawData = ByteString.CopyFrom(bytes);
            }
        }
        finally
        {
            foreach (var f in handles.Values) f.Dispose();
        }
    }
}
