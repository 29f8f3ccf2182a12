using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MFuser.Edge.Core.Control;

/// <summary>What a command handler is given: the command, the optional request id, and the validated members.</summary>
public sealed record CommandRequest(string Name, string? Id, IReadOnlyDictionary<string, string> Arguments);

/// <summary>A command handler's answer: success with optional string data for the result payload, or an error.</summary>
public sealed record CommandOutcome(bool Ok, string? Error = null, IReadOnlyDictionary<string, string>? Data = null)
{
    public static CommandOutcome Success(IReadOnlyDictionary<string, string>? data = null) => new(true, null, data);
    public static CommandOutcome Failure(string error) => new(false, error);
}

/// <summary>Performs one validated command. Runs on the MQTT receive path: hand long work off and return.</summary>
public delegate CommandOutcome CommandHandler(CommandRequest request);

/// <summary>
/// The reply to one control message: the result (always; JSON, not retained, topic relative to the base) and, for
/// an accepted setting, the new retained state.
/// </summary>
public readonly record struct ControlReply(string ResultTopic, byte[] ResultPayload, bool Accepted, string? Error,
    string? StateTopic = null, string? StateValue = null);

/// <summary>
/// Validates and dispatches the MQTT control surface (pure: no MQTT here; Messaging subscribes and publishes):
/// <list type="bullet">
/// <item><c>&lt;setting&gt;/set</c> → the setting changes, <c>&lt;setting&gt;/state</c> (retained) carries the new
/// value and <c>&lt;setting&gt;/result</c> the outcome;</item>
/// <item><c>cmd/&lt;name&gt;</c> → the handler runs, <c>cmd/&lt;name&gt;/result</c> carries the outcome.</item>
/// </list>
/// A payload that fails its schema changes nothing, is counted (<see cref="Counters"/>) and answered with
/// <c>{"ok":false,"error":"…"}</c> naming the field, what was expected and what arrived. Thread-safe.
/// </summary>
public sealed class ControlRouter
{
    private static readonly JsonDocumentOptions JsonOptions = new() { MaxDepth = 2, CommentHandling = JsonCommentHandling.Disallow };
    private readonly RuntimeSettings _settings;
    private readonly Dictionary<string, SettingSchema> _settingSchemas;
    private readonly Dictionary<string, (CommandSchema Schema, CommandHandler Handler)> _commands;
    private readonly object _applyGate = new();

    /// <param name="settings">The runtime settings changed by <c>…/set</c>.</param>
    /// <param name="handlers">One handler per enabled command name from <see cref="ControlSchema.Commands"/>;
    /// commands without a handler are answered "not available on this device".</param>
    public ControlRouter(RuntimeSettings settings, IReadOnlyDictionary<string, CommandHandler> handlers)
    {
        _settings = settings;
        _settingSchemas = ControlSchema.Settings.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var name in handlers.Keys)
            if (ControlSchema.Commands.All(c => c.Name != name))
                throw new ArgumentException($"no command '{name}' in the control schema (known: {string.Join(", ", ControlSchema.Commands.Select(c => c.Name))})", nameof(handlers));
        _commands = ControlSchema.Commands.Where(c => handlers.ContainsKey(c.Name))
            .ToDictionary(c => c.Name, c => (c, handlers[c.Name]), StringComparer.Ordinal);
    }

    /// <summary>Topic filters (relative to the base) the transport subscribes to. Unknown names under them get an
    /// error reply.</summary>
    public static IReadOnlyList<string> SubscriptionFilters { get; } = ["+/set", "cmd/+"];

    public ControlCounters Counters { get; } = new();

    /// <summary>Every setting's current state (relative topic, value), published retained at start.</summary>
    public IEnumerable<(string Topic, string Value)> States() =>
        ControlSchema.Settings.Select(s => ($"{s.Name}/state", _settings.StateText(s.Name)));

    /// <summary>Handles one message on <paramref name="relativeTopic"/> (the topic without <c>&lt;base&gt;/</c>);
    /// null when the topic is not a control topic (nothing to answer).</summary>
    public ControlReply? Handle(string relativeTopic, ReadOnlySequence<byte> payload)
    {
        var parts = relativeTopic.Split('/');
        if (parts.Length == 2 && parts[1] == "set" && parts[0] != "cmd")
            return HandleSetting(parts[0], payload);
        if (parts.Length == 2 && parts[0] == "cmd")
            return HandleCommand(parts[1], payload);
        return null;
    }

    private ControlReply HandleSetting(string name, ReadOnlySequence<byte> payload)
    {
        var resultTopic = $"{name}/result";
        if (!_settingSchemas.TryGetValue(name, out var schema))
            return Reject(resultTopic, name, null, $"unknown setting '{ControlText.Quote(name)}' (known: {string.Join(", ", _settingSchemas.Keys)})");
        if (payload.Length > ControlSchema.MaxSettingPayload)
            return Reject(resultTopic, name, null, $"{name}: payload of {payload.Length} bytes exceeds {ControlSchema.MaxSettingPayload}");
        if (!TryUtf8(payload, out var text))
            return Reject(resultTopic, name, null, $"{name}: payload is not valid UTF-8");
        text = text.Trim();
        string? error;
        string state;
        lock (_applyGate)
        {
            error = schema.TryApply(_settings, text);
            state = _settings.StateText(name);
        }
        if (error is not null)
            return Reject(resultTopic, name, null, error);
        Counters.Accept(name);
        return new ControlReply(resultTopic, ResultJson(name, null, true, null, new Dictionary<string, string> { ["value"] = state }), true, null,
            $"{name}/state", state);
    }

    private ControlReply HandleCommand(string name, ReadOnlySequence<byte> payload)
    {
        var resultTopic = $"cmd/{name}/result";
        if (!_commands.TryGetValue(name, out var command))
        {
            var known = ControlSchema.Commands.Any(c => c.Name == name);
            return Reject(resultTopic, name, null, known
                ? $"command '{name}' is not available on this device"
                : $"unknown command '{ControlText.Quote(name)}' (known: {string.Join(", ", _commands.Keys)})");
        }
        if (payload.Length > ControlSchema.MaxCommandPayload)
            return Reject(resultTopic, name, null, $"{name}: payload of {payload.Length} bytes exceeds {ControlSchema.MaxCommandPayload}");
        var (arguments, id, error) = ParseArguments(command.Schema, payload);
        if (error is not null)
            return Reject(resultTopic, name, id, error);
        CommandOutcome outcome;
        try
        {
            outcome = command.Handler(new CommandRequest(name, id, arguments!));
        }
        catch (Exception e)
        {
            outcome = CommandOutcome.Failure($"{name} failed: {e.Message}");
        }
        if (outcome.Ok)
            Counters.Accept(name);
        else
            Counters.Fail(name);
        return new ControlReply(resultTopic, ResultJson(name, id, outcome.Ok, outcome.Error, outcome.Data), outcome.Ok, outcome.Error);
    }

    /// <summary>Reads a command's JSON object against its schema: all members strings, known, not repeated, within
    /// length, allowed characters; required ones present. An empty payload is <c>{}</c>.</summary>
    private static (Dictionary<string, string>? Arguments, string? Id, string? Error) ParseArguments(CommandSchema schema, ReadOnlySequence<byte> payload)
    {
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal);
        string? id = null;
        if (payload.IsEmpty)
            return CheckRequired(schema, arguments, id);
        // JsonDocument checks UTF-8 inside strings only when they are read (and then throws): check it all first.
        if (!System.Text.Unicode.Utf8.IsValid(payload.IsSingleSegment ? payload.FirstSpan : payload.ToArray()))
            return (null, null, $"{schema.Name}: payload is not valid UTF-8");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(payload, JsonOptions);
        }
        catch (JsonException e)
        {
            return (null, null, $"{schema.Name}: payload is not a JSON object ({e.Message.Split(" Path:")[0]})");
        }
        catch (ArgumentException e)
        {
            return (null, null, $"{schema.Name}: payload is not valid UTF-8 JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return (null, null, $"{schema.Name}: expected a JSON object, got {doc.RootElement.ValueKind}");
            foreach (var member in doc.RootElement.EnumerateObject())
            {
                var field = member.Name == "id"
                    ? new FieldSchema("id", false, ControlSchema.MaxRequestId, FieldSchema.Identifier)
                    : schema.Fields.FirstOrDefault(f => f.Name == member.Name);
                if (field is null)
                    return (null, id, $"{schema.Name}: unknown member '{ControlText.Quote(member.Name)}' (allowed: {string.Join(", ", schema.Fields.Select(f => f.Name).Append("id"))})");
                if (arguments.ContainsKey(member.Name) || (member.Name == "id" && id is not null))
                    return (null, id, $"{schema.Name}: member '{member.Name}' appears twice");
                if (member.Value.ValueKind != JsonValueKind.String)
                    return (null, id, $"{schema.Name}.{field.Name}: expected a string, got {member.Value.ValueKind}");
                var value = member.Value.GetString()!;
                if (value.Length > field.MaxLength || (field.Required && value.Length == 0))
                    return (null, id, $"{schema.Name}.{field.Name}: expected {(field.Required ? 1 : 0)}..{field.MaxLength} characters, got {value.Length}");
                foreach (var rune in value.EnumerateRunes())
                    if (!field.Accept.Accepts(rune))
                        return (null, id, $"{schema.Name}.{field.Name}: expected {field.Accept.Description}, got U+{rune.Value:X4} in '{ControlText.Quote(value)}'");
                if (member.Name == "id")
                    id = value;
                else
                    arguments[member.Name] = value;
            }
        }
        return CheckRequired(schema, arguments, id);
    }

    private static (Dictionary<string, string>?, string?, string?) CheckRequired(CommandSchema schema, Dictionary<string, string> arguments, string? id)
    {
        foreach (var field in schema.Fields)
            if (field.Required && !arguments.ContainsKey(field.Name))
                return (null, id, $"{schema.Name}: required member '{field.Name}' is missing");
        return (arguments, id, null);
    }

    private ControlReply Reject(string resultTopic, string name, string? id, string error)
    {
        Counters.Reject(name);
        return new ControlReply(resultTopic, ResultJson(name, id, false, error, null), false, error);
    }

    private static bool TryUtf8(ReadOnlySequence<byte> payload, out string text)
    {
        var bytes = payload.ToArray();
        text = System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : "";
        return text.Length > 0 || bytes.Length == 0;
    }

    /// <summary><c>{"name":…,"id":…,"ok":…,"error":…,"data":{…}}</c> (id/error/data only when present).</summary>
    private static byte[] ResultJson(string name, string? id, bool ok, string? error, IReadOnlyDictionary<string, string>? data)
    {
        var buffer = new ArrayBufferWriter<byte>(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("name", name);
            if (id is not null)
                w.WriteString("id", id);
            w.WriteBoolean("ok", ok);
            if (error is not null)
                w.WriteString("error", error);
            if (data is { Count: > 0 })
            {
                w.WriteStartObject("data");
                foreach (var (k, v) in data)
                    w.WriteString(k, v);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Thread-safe counts of control messages: accepted, rejected (failed validation: nothing changed) and
/// failed (valid, but the handler reported an error), in total and per setting/command name.</summary>
public sealed class ControlCounters
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long[]> _byName = new(StringComparer.Ordinal);
    private long _accepted, _rejected, _failed;

    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>(accepted, rejected, failed) for one name; names outside the schema are counted under "unknown".</summary>
    public (long Accepted, long Rejected, long Failed) For(string name) =>
        _byName.TryGetValue(name, out var c) ? (Interlocked.Read(ref c[0]), Interlocked.Read(ref c[1]), Interlocked.Read(ref c[2])) : (0, 0, 0);

    internal void Accept(string name) => Count(name, 0, ref _accepted);
    internal void Reject(string name) => Count(name, 1, ref _rejected);
    internal void Fail(string name) => Count(name, 2, ref _failed);

    private void Count(string name, int slot, ref long total)
    {
        Interlocked.Increment(ref total);
        var known = ControlSchema.Settings.Any(s => s.Name == name) || ControlSchema.Commands.Any(c => c.Name == name);
        Interlocked.Increment(ref _byName.GetOrAdd(known ? name : "unknown", _ => new long[3])[slot]);
    }
}
