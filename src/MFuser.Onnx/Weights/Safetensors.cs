using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFuser.Onnx.Weights;

/// <summary>One tensor entry of a safetensors header.</summary>
public sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    public long ElementCount => Shape.Aggregate(1L, (a, d) => a * d);
}

/// <summary>
/// Reads a safetensors file (8-byte little-endian header length, JSON header, raw little-endian tensor bytes)
/// one tensor at a time, so a checkpoint of any size is read with memory for its largest tensor only.
/// Floating-point tensors (F32, F16, BF16, F64) are returned as float32.
/// </summary>
public sealed class SafetensorsFile : IDisposable
{
    private readonly FileStream _file;
    private readonly long _dataStart;

    public SafetensorsFile(string path)
    {
        Path = path;
        _file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.RandomAccess);
        Span<byte> lengthBytes = stackalloc byte[8];
        if (RandomAccess.Read(_file.SafeFileHandle, lengthBytes, 0) != 8)
            throw new InvalidDataException($"{path}: too short for a safetensors header (needs 8 bytes)");
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength == 0 || headerLength > 100_000_000 || (long)headerLength > _file.Length - 8)
            throw new InvalidDataException($"{path}: header length {headerLength} does not fit a file of {_file.Length} bytes");
        var header = new byte[headerLength];
        RandomAccess.Read(_file.SafeFileHandle, header, 8);
        _dataStart = 8 + (long)headerLength;
        (Entries, Metadata) = ParseHeader(path, header, _file.Length - _dataStart);
    }

    public string Path { get; }
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }
    public IReadOnlyDictionary<string, string> Metadata { get; }

    private static (Dictionary<string, SafetensorsEntry>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonObject root;
        try { root = JsonNode.Parse(header)?.AsObject() ?? throw new InvalidDataException($"{path}: empty safetensors header"); }
        catch (JsonException e) { throw new InvalidDataException($"{path}: safetensors header is not valid JSON: {e.Message}", e); }
        var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in root)
        {
            if (name == "__metadata__")
            {
                foreach (var (k, v) in node!.AsObject()) metadata[k] = v?.GetValue<string>() ?? "";
                continue;
            }
            try
            {
                var o = node!.AsObject();
                var dtype = o["dtype"]!.GetValue<string>();
                var shape = o["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                var offsets = o["data_offsets"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                if (offsets.Length != 2)
                    throw new InvalidDataException($"{path}: tensor '{name}' has {offsets.Length} data_offsets, expected [begin, end]");
                var entry = new SafetensorsEntry(name, dtype, shape, offsets[0], offsets[1]);
                var expected = entry.ElementCount * DTypeSize(dtype, path, name);
                if (entry.Begin < 0 || entry.End > dataLength || entry.End - entry.Begin != expected)
                    throw new InvalidDataException(
                        $"{path}: tensor '{name}' ({dtype} [{string.Join(',', shape)}]) has data_offsets [{string.Join(',', offsets)}], " +
                        $"expected {expected} bytes inside a data section of {dataLength}");
                entries[name] = entry;
            }
            catch (Exception e) when (e is NullReferenceException or InvalidOperationException or FormatException)
            {
                throw new InvalidDataException($"{path}: header entry '{name}' lacks dtype/shape/data_offsets", e);
            }
        }
        return (entries, metadata);
    }

    private static int DTypeSize(string dtype, string path, string name) => dtype switch
    {
        "F64" or "I64" or "U64" => 8,
        "F32" or "I32" or "U32" => 4,
        "F16" or "BF16" or "I16" or "U16" => 2,
        "I8" or "U8" or "BOOL" => 1,
        _ => throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype '{dtype}'"),
    };

    /// <summary>Reads tensor <paramref name="name"/> as float32 (converting F16/BF16/F64).</summary>
    public float[] ReadFloat32(string name)
    {
        if (!Entries.TryGetValue(name, out var e))
            throw new KeyNotFoundException($"{Path}: no tensor '{name}' in the checkpoint ({Entries.Count} tensors)");
        var bytes = new byte[e.End - e.Begin];
        var read = 0;
        while (read < bytes.Length)
        {
            var n = RandomAccess.Read(_file.SafeFileHandle, bytes.AsSpan(read), _dataStart + e.Begin + read);
            if (n == 0) throw new EndOfStreamException($"{Path}: tensor '{name}' is truncated");
            read += n;
        }
        var count = (int)e.ElementCount;
        switch (e.DType)
        {
            case "F32":
                return MemoryMarshal.Cast<byte, float>(bytes).ToArray();
            case "F16":
                return MemoryMarshal.Cast<byte, Half>(bytes).ToArray().Select(h => (float)h).ToArray();
            case "BF16":
            {
                var src = MemoryMarshal.Cast<byte, ushort>(bytes);
                var dst = new float[count];
                for (var i = 0; i < count; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
                return dst;
            }
            case "F64":
                return MemoryMarshal.Cast<byte, double>(bytes).ToArray().Select(d => (float)d).ToArray();
            default:
                throw new InvalidDataException($"{Path}: tensor '{name}' is {e.DType}, expected a floating-point tensor");
        }
    }

    public void Dispose() => _file.Dispose();
}

/// <summary>Writes float32 tensors as a safetensors file (keys sorted, as the reference implementation does).</summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IReadOnlyDictionary<string, (float[] Data, long[] Shape)> tensors,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
            header["__metadata__"] = new JsonObject(metadata.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value)));
        long offset = 0;
        var names = tensors.Keys.Order(StringComparer.Ordinal).ToArray();
        foreach (var name in names)
        {
            var (data, shape) = tensors[name];
            if (shape.Aggregate(1L, (a, d) => a * d) != data.Length)
                throw new ArgumentException($"tensor '{name}': shape [{string.Join(',', shape)}] does not hold {data.Length} elements");
            var size = (long)data.Length * 4;
            header[name] = new JsonObject
            {
                ["dtype"] = "F32",
                ["shape"] = new JsonArray(shape.Select(d => (JsonNode?)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + size),
            };
            offset += size;
        }
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = (json.Length + 7) / 8 * 8;  // keep the data section 8-byte aligned
        using var file = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
        Span<byte> len = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)padded);
        file.Write(len);
        file.Write(json);
        for (var i = json.Length; i < padded; i++) file.WriteByte((byte)' ');
        foreach (var name in names) file.Write(MemoryMarshal.AsBytes(tensors[name].Data.AsSpan()));
    }
}
