using System.Buffers;
using System.Buffers.Binary;
using System.Text;

namespace MFuser.Edge.FieldLog.Mcap;

/// <summary>Little-endian MCAP primitives (records, strings, maps) into a growable buffer.</summary>
internal sealed class McapRecordWriter
{
    private readonly ArrayBufferWriter<byte> _buffer;
    private int _recordStart = -1;

    public McapRecordWriter(int capacity = 4096) => _buffer = new ArrayBufferWriter<byte>(capacity);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;
    public int Length => _buffer.WrittenCount;

    public void Clear() => _buffer.ResetWrittenCount();

    /// <summary>Starts a record: opcode and a length placeholder patched by <see cref="EndRecord"/>.</summary>
    public void BeginRecord(McapOpcode opcode)
    {
        U8((byte)opcode);
        _recordStart = _buffer.WrittenCount;
        U64(0);
    }

    public void EndRecord()
    {
        var contentLength = (ulong)(_buffer.WrittenCount - _recordStart - 8);
        // ArrayBufferWriter exposes written data read-only; patch through the underlying memory.
        BinaryPrimitives.WriteUInt64LittleEndian(MemoryMarshalWritable(_recordStart, 8), contentLength);
        _recordStart = -1;
    }

    public void U8(byte v) => Span(1)[0] = v;
    public void U16(ushort v) => BinaryPrimitives.WriteUInt16LittleEndian(Span(2), v);
    public void U32(uint v) => BinaryPrimitives.WriteUInt32LittleEndian(Span(4), v);
    public void U64(ulong v) => BinaryPrimitives.WriteUInt64LittleEndian(Span(8), v);

    public void String(string s)
    {
        var n = Encoding.UTF8.GetByteCount(s);
        U32((uint)n);
        Encoding.UTF8.GetBytes(s, Span(n));
    }

    /// <summary>Raw bytes without a length prefix.</summary>
    public void Raw(ReadOnlySpan<byte> data) => data.CopyTo(Span(data.Length));

    /// <summary>Bytes with a u32 length prefix.</summary>
    public void Bytes32(ReadOnlySpan<byte> data)
    {
        U32((uint)data.Length);
        Raw(data);
    }

    public void StringMap(IReadOnlyDictionary<string, string>? map)
    {
        var lengthAt = BeginLengthPrefixed32();
        if (map is not null)
            foreach (var (k, v) in map.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                String(k);
                String(v);
            }
        EndLengthPrefixed32(lengthAt);
    }

    /// <summary>Reserves a u32 byte-length prefix (maps, arrays); returns where it is.</summary>
    public int BeginLengthPrefixed32()
    {
        var at = _buffer.WrittenCount;
        U32(0);
        return at;
    }

    public void EndLengthPrefixed32(int at) =>
        BinaryPrimitives.WriteUInt32LittleEndian(MemoryMarshalWritable(at, 4), (uint)(_buffer.WrittenCount - at - 4));

    private Span<byte> Span(int n)
    {
        var span = _buffer.GetSpan(n)[..n];
        _buffer.Advance(n);
        return span;
    }

    private Span<byte> MemoryMarshalWritable(int offset, int length) =>
        System.Runtime.InteropServices.MemoryMarshal.AsMemory(_buffer.WrittenMemory).Span.Slice(offset, length);
}
