using System.ComponentModel.DataAnnotations;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.Json.Serialization.Metadata;
using MFuser.Edge.Client.Payloads;
using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;

namespace MFuser.Edge.Client.Tests.Contract;

/// <summary>
/// The JSON payloads of the MQTT API and the C# type each schema in docs/schemas/ is generated from with .NET's
/// <see cref="JsonSchemaExporter"/> (docs/asyncapi.yaml references the files). <c>info</c> and <c>stats</c> come from
/// the daemon's own payload records (it serialises them); <c>drivable</c>, <c>domain_shift</c> and
/// <c>command_result</c>, which the daemon writes field by field, come from the client library's records, and
/// <see cref="PublishedPayloadTests"/> holds the daemon's output to them. Regenerate with
/// <c>MFUSER_WRITE_SCHEMAS=1 dotnet test tests/MFuser.Edge.Client.Tests --filter SchemaGenerationTests</c>.
/// </summary>
internal static class PayloadSchemas
{
    public const string Draft07 = "http://json-schema.org/draft-07/schema#";

    /// <summary>File name (without .json) → what the payload is and the type it is generated from.</summary>
    public static readonly IReadOnlyList<(string Name, string Description, JsonTypeInfo Type)> All =
    [
        ("drivable", "<base>/drivable: the drivable-area summary of one processed frame (docs/mqtt-api.md).",
            ClientJsonContext.Default.Drivable),
        ("domain_shift", "<base>/domain_shift: one event of a domain-shift episode (docs/mqtt-api.md, docs/field-logging.md).",
            ClientJsonContext.Default.DomainShiftEvent),
        ("command_result", "<base>/<setting>/result and <base>/cmd/<name>/result: the answer to a setting or command.",
            ClientJsonContext.Default.CommandResult),
        ("info", "<base>/info (retained): what the device is and runs.", Daemon(typeof(InfoPayload))),
        ("stats", "<base>/stats: health and performance every stats interval.", Daemon(typeof(StatsPayload))),
    ];

    public static string Directory => Path.Combine(RepoPaths.Root, "docs", "schemas");

    public static string FileOf(string name) => Path.Combine(Directory, name + ".json");

    /// <summary>The schema document for one payload, as committed (two-space indent, trailing newline).</summary>
    public static string Generate(string name, string description, JsonTypeInfo type)
    {
        var exporter = new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true, TransformSchemaNode = Transform };
        var body = (JsonObject)type.Options.GetJsonSchemaAsNode(type.Type, exporter);
        var schema = new JsonObject
        {
            ["$schema"] = Draft07,
            ["title"] = name,
            ["description"] = description + " Generated from " + type.Type.FullName + "; do not edit.",
        };
        foreach (var (key, value) in body.ToList())
        {
            body.Remove(key);
            schema[key] = value;
        }
        return schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }) + "\n";
    }

    /// <summary>The daemon's records, serialised as it does, but with nullability and required constructor parameters
    /// respected so the schema says which members are always present and which may be null.</summary>
    private static JsonTypeInfo Daemon(Type type)
    {
        var options = new JsonSerializerOptions(PayloadJsonContext.Default.Options)
        {
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
        };
        return options.GetTypeInfo(type);
    }

    /// <summary>Closes objects (a member the schema does not name is drift, not an extension), types the daemon's
    /// custom-converted timestamps, which the exporter cannot see into, and bounds numbers: a client record's
    /// <see cref="RangeAttribute"/> becomes <c>minimum</c>/<c>maximum</c>, and every integer of <c>info</c> and
    /// <c>stats</c> (counts, sizes, dimensions) is ≥ 0.</summary>
    private static JsonNode Transform(JsonSchemaExporterContext context, JsonNode schema)
    {
        Bound(context, schema);
        var type = Nullable.GetUnderlyingType(context.TypeInfo.Type) ?? context.TypeInfo.Type;
        if (type == typeof(DateTimeOffset))
        {
            var nullable = context.PropertyInfo?.IsGetNullable == true || type != context.TypeInfo.Type;
            return new JsonObject
            {
                ["type"] = nullable ? new JsonArray("string", "null") : "string",
                ["format"] = "date-time",
            };
        }
        if (schema is JsonObject o && context.TypeInfo.Kind == JsonTypeInfoKind.Object && o.ContainsKey("properties")
            && context.TypeInfo.Properties.All(p => !p.IsExtensionData))
            o["additionalProperties"] = false;
        return schema;
    }

    private static void Bound(JsonSchemaExporterContext context, JsonNode schema)
    {
        if (context.PropertyInfo is not { } property || schema is not JsonObject o)
            return;
        var range = property.AttributeProvider?.GetCustomAttributes(typeof(RangeAttribute), true).OfType<RangeAttribute>().SingleOrDefault();
        if (range is not null)
        {
            var (min, max) = (Convert.ToDouble(range.Minimum), Convert.ToDouble(range.Maximum));
            o["minimum"] = min;
            if (max < int.MaxValue) // the ends of int, long and double mean "no upper bound"
                o["maximum"] = max;
        }
        else if (property.DeclaringType.Namespace == typeof(StatsPayload).Namespace && TypeNames(o).Contains("integer"))
            o["minimum"] = 0;
    }

    private static IEnumerable<string> TypeNames(JsonObject schema) => schema["type"] switch
    {
        JsonValue v => [v.GetValue<string>()],
        JsonArray a => a.Select(t => t!.GetValue<string>()),
        _ => [],
    };
}
