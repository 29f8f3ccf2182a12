using System.Buffers;
using System.Text.Json;

namespace MFuser.Edge.Core.Control;

/// <summary>A command payload read against its schema: the members and request id, or why it was rejected.</summary>
internal readonly record struct CommandArguments(Dictionary<string, string>? Members, string? Id, string? Error, string? Reason)
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 2, CommentHandling = JsonCommentHandling.Disallow };

    /// <summary>Reads a command's JSON object: all members strings, known, not repeated, within length, allowed
    /// characters; required ones present. An empty payload is <c>{}</c>.</summary>
    public static CommandArguments Parse(CommandSchema schema, ReadOnlySequence<byte> payload)
    {
        if (payload.IsEmpty)
            return CheckRequired(schema, new Dictionary<string, string>(StringComparer.Ordinal), null);
        // JsonDocument checks UTF-8 inside strings only when they are read (and then throws): check it all first.
        if (!System.Text.Unicode.Utf8.IsValid(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray()))
            return Rejected(null, $"{schema.Name}: payload is not valid UTF-8", RejectReason.InvalidUtf8);
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload, JsonOptions);
        }
        catch (JsonException e)
        {
            return Rejected(null, $"{schema.Name}: payload is not a JSON object ({e.Message.Split(" Path:")[0]})", RejectReason.InvalidJson);
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return Rejected(null, $"{schema.Name}: expected a JSON object, got {doc.RootElement.ValueKind}", RejectReason.InvalidJson);
            try
            {
                return ReadMembers(schema, doc.RootElement);
            }
            catch (InvalidOperationException)
            {
                // A \u escape of a lone UTF-16 surrogate: valid JSON grammar, but no Unicode text; reading it throws.
                return Rejected(null,
                    $"{schema.Name}: payload holds a \\u escape that is not valid Unicode (a lone surrogate)", RejectReason.InvalidJson);
            }
        }
    }

    private static CommandArguments ReadMembers(CommandSchema schema, JsonElement root)
    {
        var members = new Dictionary<string, string>(StringComparer.Ordinal);
        string? id = null;
        foreach (var member in root.EnumerateObject())
        {
            var field = member.Name == "id"
                ? new FieldSchema("id", false, ControlSchema.MaxRequestId, FieldSchema.Identifier)
                : schema.Fields.FirstOrDefault(f => f.Name == member.Name);
            if (field is null)
                return Rejected(id,
                    $"{schema.Name}: unknown member '{ControlText.Quote(member.Name)}' " +
                    $"(allowed: {string.Join(", ", schema.Fields.Select(f => f.Name).Append("id"))})",
                    RejectReason.InvalidValue);
            if (members.ContainsKey(member.Name) || (member.Name == "id" && id is not null))
                return Rejected(id, $"{schema.Name}: member '{member.Name}' appears twice", RejectReason.InvalidValue);
            if (member.Value.ValueKind != JsonValueKind.String)
                return Rejected(id, $"{schema.Name}.{field.Name}: expected a string, got {member.Value.ValueKind}", RejectReason.InvalidValue);
            var value = member.Value.GetString()!;
            if (value.Length > field.MaxLength || (field.Required && value.Length == 0))
                return Rejected(id,
                    $"{schema.Name}.{field.Name}: expected {(field.Required ? 1 : 0)}..{field.MaxLength} characters, got {value.Length}",
                    RejectReason.InvalidValue);
            foreach (var rune in value.EnumerateRunes())
                if (!field.Accept.Accepts(rune))
                    return Rejected(id,
                        $"{schema.Name}.{field.Name}: expected {field.Accept.Description}, got U+{rune.Value:X4} in '{ControlText.Quote(value)}'",
                        RejectReason.InvalidValue);
            if (member.Name == "id")
                id = value;
            else
                members[member.Name] = value;
        }
        return CheckRequired(schema, members, id);
    }

    private static CommandArguments CheckRequired(CommandSchema schema, Dictionary<string, string> members, string? id)
    {
        foreach (var field in schema.Fields)
            if (field.Required && !members.ContainsKey(field.Name))
                return Rejected(id, $"{schema.Name}: required member '{field.Name}' is missing", RejectReason.InvalidValue);
        return new CommandArguments(members, id, null, null);
    }

    private static CommandArguments Rejected(string? id, string error, string reason) => new(null, id, error, reason);
}
