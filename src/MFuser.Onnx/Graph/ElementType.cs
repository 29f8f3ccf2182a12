namespace MFuser.Onnx.Graph;

/// <summary>ONNX tensor element types used by MFuser graphs (values are ONNX <c>TensorProto.DataType</c> codes).</summary>
public enum ElementType
{
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    Int32 = 6,
    Int64 = 7,
    Bool = 9,
    Float16 = 10,
    Double = 11,
}

/// <summary>Byte sizes of <see cref="ElementType"/> values.</summary>
public static class ElementTypeExtensions
{
    public static int ByteSize(this ElementType type) => type switch
    {
        ElementType.Float => 4,
        ElementType.UInt8 or ElementType.Int8 or ElementType.Bool => 1,
        ElementType.Int32 => 4,
        ElementType.Int64 or ElementType.Double => 8,
        ElementType.Float16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown ONNX element type"),
    };
}
