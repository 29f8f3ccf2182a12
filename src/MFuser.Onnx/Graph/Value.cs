namespace MFuser.Onnx.Graph;

/// <summary>
/// A handle to one tensor in a graph under construction: its unique name and its element type.
/// Shapes are not tracked here; <see cref="GraphBuilder.Annotate"/> records them as value_info where they matter.
/// </summary>
public readonly record struct Value(string Name, ElementType Type)
{
    /// <summary>The empty name ONNX uses for an omitted optional input.</summary>
    public static readonly Value Absent = new("", ElementType.Float);

    public bool IsAbsent => Name.Length == 0;

    public override string ToString() => $"{Name}:{Type}";
}
