using System.Text.Json;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Quota;
using MFuser.ModelPackage.Classes;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>An MCAP file being written: its channels (registered on first use, with their schemas), per-channel
/// message counts and its quota kind. Writer thread only.</summary>
internal sealed class OpenLogFile(string path, string reason, McapWriter writer, IReadOnlyList<ClassInfo>? classes)
{
    private readonly ushort[] _channels = Enumerable.Repeat(ushort.MaxValue, FieldLogChannels.Count).ToArray();
    private readonly Dictionary<string, ushort> _schemas = [];

    public string Path { get; } = path;
    public string Reason { get; } = reason;
    public LogFileKind Kind { get; } = LogFileKinds.Of(System.IO.Path.GetFileName(path));
    public McapWriter Writer { get; } = writer;
    public long[] Counts { get; } = new long[FieldLogChannels.Count];

    /// <summary>Size at the last quota check.</summary>
    public long CheckedAt { get; set; }

    /// <summary>The MCAP channel id of <paramref name="channel"/>, registered on first use.</summary>
    public ushort Channel(FieldLogChannel channel)
    {
        ref var id = ref _channels[(int)channel];
        if (id != ushort.MaxValue)
            return id;
        var (name, schema) = FieldLogChannels.SchemaOf(channel);
        if (!_schemas.TryGetValue(name, out var schemaId))
            _schemas[name] = schemaId = Writer.AddSchema(name, "jsonschema", schema);
        id = Writer.AddChannel(FieldLogChannels.Topic(channel), "json", schemaId, Metadata(channel));
        return id;
    }

    /// <summary>The label channel carries the class table (id, name, colour as #rrggbb) for tools that colour it.</summary>
    private Dictionary<string, string>? Metadata(FieldLogChannel channel) =>
        channel == FieldLogChannel.LabelsPng && classes is { Count: > 0 }
            ? new Dictionary<string, string>
            {
                ["classes"] = JsonSerializer.Serialize(classes.Select(c => new Dictionary<string, object>
                {
                    ["id"] = c.Id, ["name"] = c.Name, ["color"] = $"#{c.Color.R:x2}{c.Color.G:x2}{c.Color.B:x2}",
                })),
            }
            : null;
}
