using Google.Protobuf;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Graph;

/// <summary>Decides where an initializer's bytes live: inside the protobuf or in an external data file.</summary>
public interface IInitializerStore
{
    /// <summary>Attaches <paramref name="littleEndianData"/> to <paramref name="tensor"/> (whose name, type and dims are set).</summary>
    void Store(TensorProto tensor, ReadOnlySpan<byte> littleEndianData);

    /// <summary>
    /// Points <paramref name="tensor"/> at bytes stored earlier under the same name and length, if any, so the caller
    /// need not produce them again (the variants of one export share their weights).
    /// </summary>
    bool TryReuse(TensorProto tensor, long byteLength);
}

/// <summary>Keeps every initializer inside the protobuf (<c>raw_data</c>). Models must stay under protobuf's 2 GB limit.</summary>
public sealed class InlineInitializerStore : IInitializerStore
{
    public static readonly InlineInitializerStore Instance = new();

    public void Store(TensorProto tensor, ReadOnlySpan<byte> littleEndianData) =>
        tensor.RawData = ByteString.CopyFrom(littleEndianData);

    public bool TryReuse(TensorProto tensor, long byteLength) => false;
}

/// <summary>
/// Streams initializers of at least <see cref="MinExternalBytes"/> bytes into one external data file next to the
/// model (ONNX external-data convention: <c>location</c>, <c>offset</c>, <c>length</c>), so that a model of any size
/// is written with bounded memory. Several graphs written with the same store (the three variants of one model)
/// share the file: a tensor stored again under the same name with identical bytes is written once.
/// </summary>
public sealed class ExternalInitializerStore : IInitializerStore, IDisposable
{
    private const int Alignment = 64;
    private readonly FileStream _file;
    private readonly Dictionary<string, (long Offset, long Length, int Hash)> _written = new(StringComparer.Ordinal);

    /// <param name="dataPath">Path of the data file; models referencing it must be saved in the same folder.</param>
    /// <param name="minExternalBytes">Smaller tensors stay inline (shape constants and scalars).</param>
    public ExternalInitializerStore(string dataPath, long minExternalBytes = 1024)
    {
        DataPath = Path.GetFullPath(dataPath);
        MinExternalBytes = minExternalBytes;
        _file = new FileStream(DataPath, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
    }

    public string DataPath { get; }
    public long MinExternalBytes { get; }
    public long BytesWritten => _file.Length;

    public void Store(TensorProto tensor, ReadOnlySpan<byte> littleEndianData)
    {
        if (littleEndianData.Length < MinExternalBytes)
        {
            InlineInitializerStore.Instance.Store(tensor, littleEndianData);
            return;
        }
        var hash = HashOf(littleEndianData);
        if (_written.TryGetValue(tensor.Name, out var previous))
        {
            if (previous.Length != littleEndianData.Length || previous.Hash != hash)
                throw new InvalidOperationException(
                    $"initializer '{tensor.Name}' was already written to {Path.GetFileName(DataPath)} with different contents " +
                    $"({previous.Length} bytes before, {littleEndianData.Length} now)");
        }
        else
        {
            var pad = (int)((Alignment - _file.Position % Alignment) % Alignment);
            if (pad > 0) _file.Write(stackalloc byte[pad]);
            previous = (_file.Position, littleEndianData.Length, hash);
            _file.Write(littleEndianData);
            _written.Add(tensor.Name, previous);
        }
        Reference(tensor, previous.Offset, previous.Length);
    }

    public bool TryReuse(TensorProto tensor, long byteLength)
    {
        if (byteLength < MinExternalBytes || !_written.TryGetValue(tensor.Name, out var previous) || previous.Length != byteLength)
            return false;
        Reference(tensor, previous.Offset, previous.Length);
        return true;
    }

    private void Reference(TensorProto tensor, long offset, long length)
    {
        tensor.DataLocation = TensorProto.Types.DataLocation.External;
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = Path.GetFileName(DataPath) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString() });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString() });
    }

    private static int HashOf(ReadOnlySpan<byte> data)
    {
        var h = new HashCode();
        h.AddBytes(data);
        return h.ToHashCode();
    }

    public void Dispose() => _file.Dispose();
}
