namespace MFuser.Onnx.Tests.Graph;

/// <summary>
/// Reads the node attributes of a serialised ONNX model straight off the protobuf wire, independent of any generated
/// class: for each attribute, its declared type and which value fields are physically present in the bytes. This is
/// what a strict reader (OpenCV DNN, the ONNX checker) sees, and what a proto3 writer gets wrong for zero values.
/// Walks ModelProto.graph (7) → GraphProto.node (1) → NodeProto.attribute (5), and into subgraphs (attribute g = 6,
/// graphs = 11).
/// </summary>
internal static class AttributeWireScan
{
    /// <summary>One attribute as found on the wire; <see cref="Int"/>/<see cref="Float"/> are null when the field is absent.</summary>
    public sealed record Attribute(string OpType, string NodeName, string Name, int Type, long? Int, float? Float, IReadOnlySet<int> Fields)
    {
        public override string ToString() => $"{OpType} '{NodeName}' attribute '{Name}' (type {Type}, fields [{string.Join(',', Fields.Order())}])";
    }

    public const int TypeFloat = 1, TypeInt = 2;
    public const int FieldF = 2, FieldI = 3;

    public static List<Attribute> Scan(ReadOnlySpan<byte> model)
    {
        var found = new List<Attribute>();
        foreach (var f in Fields(model))
            if (f.Number == 7 && f.WireType == 2) ScanGraph(model.Slice(f.Start, f.Length), found);
        return found;
    }

    private static void ScanGraph(ReadOnlySpan<byte> graph, List<Attribute> found)
    {
        foreach (var f in Fields(graph))
            if (f.Number == 1 && f.WireType == 2) ScanNode(graph.Slice(f.Start, f.Length), found);
    }

    private static void ScanNode(ReadOnlySpan<byte> node, List<Attribute> found)
    {
        string opType = "", name = "";
        var attributes = new List<(int Start, int Length)>();
        foreach (var f in Fields(node))
        {
            if (f.WireType != 2) continue;
            switch (f.Number)
            {
                case 3: name = System.Text.Encoding.UTF8.GetString(node.Slice(f.Start, f.Length)); break;
                case 4: opType = System.Text.Encoding.UTF8.GetString(node.Slice(f.Start, f.Length)); break;
                case 5: attributes.Add((f.Start, f.Length)); break;
            }
        }
        foreach (var (start, length) in attributes)
            found.Add(ScanAttribute(node.Slice(start, length), opType, name, found));
    }

    private static Attribute ScanAttribute(ReadOnlySpan<byte> attribute, string opType, string nodeName, List<Attribute> found)
    {
        string name = "";
        int type = 0;
        long? i = null;
        float? fl = null;
        var fields = new HashSet<int>();
        foreach (var f in Fields(attribute))
        {
            fields.Add(f.Number);
            switch (f.Number, f.WireType)
            {
                case (1, 2): name = System.Text.Encoding.UTF8.GetString(attribute.Slice(f.Start, f.Length)); break;
                case (20, 0): type = (int)f.Varint; break;
                case (FieldI, 0): i = (long)f.Varint; break;
                case (FieldF, 5): fl = BitConverter.ToSingle(attribute.Slice(f.Start, 4)); break;
                case (6, 2) or (11, 2): ScanGraph(attribute.Slice(f.Start, f.Length), found); break;
            }
        }
        return new Attribute(opType, nodeName, name, type, i, fl, fields);
    }

    private readonly record struct Field(int Number, int WireType, ulong Varint, int Start, int Length);

    /// <summary>The top-level fields of one message; a malformed buffer throws.</summary>
    private static List<Field> Fields(ReadOnlySpan<byte> message)
    {
        var fields = new List<Field>();
        var pos = 0;
        while (pos < message.Length)
        {
            var tag = ReadVarint(message, ref pos);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0: fields.Add(new Field(number, 0, ReadVarint(message, ref pos), 0, 0)); break;
                case 1: fields.Add(new Field(number, 1, 0, pos, 8)); pos += 8; break;
                case 5: fields.Add(new Field(number, 5, 0, pos, 4)); pos += 4; break;
                case 2:
                    var length = checked((int)ReadVarint(message, ref pos));
                    fields.Add(new Field(number, 2, 0, pos, length));
                    pos += length;
                    break;
                default: throw new InvalidDataException($"field {number}: unsupported wire type {wireType} at byte {pos}");
            }
            if (pos > message.Length) throw new InvalidDataException($"field {number} runs past the end of its message");
        }
        return fields;
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> buffer, ref int pos)
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (pos >= buffer.Length) throw new InvalidDataException("varint runs past the end of the buffer");
            var b = buffer[pos++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return value;
        }
        throw new InvalidDataException("varint longer than 10 bytes");
    }
}
