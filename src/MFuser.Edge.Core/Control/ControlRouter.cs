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
/// The reply to one control message: the result (JSON, not retained, topic relative to the base) and, for an accepted
/// setting, the new retained state. <see cref="ResultTopic"/> is null when the message names no addressable result
/// topic (<see cref="RejectReason.NameTooLong"/>): it is counted, not answered. <see cref="Reason"/> is the
/// <see cref="RejectReason"/> of a rejection.
/// </summary>
public readonly record struct ControlReply(string? ResultTopic, byte[] ResultPayload, bool Accepted, string? Error,
    string? StateTopic = null, string? StateValue = null, string? Reason = null);

/// <summary>
/// Validates and dispatches the MQTT control surface (pure: no MQTT here; Messaging subscribes and publishes):
/// <list type="bullet">
/// <item><c>&lt;setting&gt;/set</c> → the setting changes, <c>&lt;setting&gt;/state</c> (retained) carries the new
/// value and <c>&lt;setting&gt;/result</c> the outcome;</item>
/// <item><c>cmd/&lt;name&gt;</c> → the handler runs (at most its per-minute limit), <c>cmd/&lt;name&gt;/result</c> carries
/// the outcome.</item>
/// </list>
/// A payload that fails its schema changes nothing, is counted (<see cref="Counters"/>, by <see cref="RejectReason"/>)
/// and answered with <c>{"ok":false,"error":"…","reason":"…"}</c> naming the field, what was expected and what arrived.
/// Never throws on input. Thread-safe.
/// </summary>
public sealed class ControlRouter
{
    private readonly RuntimeSettings _settings;
    private readonly Dictionary<string, SettingSchema> _settingSchemas;
    private readonly Dictionary<string, (CommandSchema Schema, CommandHandler Handler)> _commands;
    private readonly CommandRateLimiter _rates;
    private readonly Lock _applyGate = new();

    /// <param name="settings">The runtime settings changed by <c>…/set</c>.</param>
    /// <param name="handlers">One handler per enabled command name from <see cref="ControlSchema.Commands"/>;
    /// commands without a handler are answered "not available on this device".</param>
    /// <param name="commandsPerMinute">Per-command limits (runs per minute, ≥ 1); commands left out keep
    /// <see cref="CommandSchema.DefaultPerMinute"/>.</param>
    /// <param name="time">Clock of the rate limits (default: the system's).</param>
    public ControlRouter(RuntimeSettings settings, IReadOnlyDictionary<string, CommandHandler> handlers,
        IReadOnlyDictionary<string, int>? commandsPerMinute = null, TimeProvider? time = null)
    {
        _settings = settings;
        _settingSchemas = ControlSchema.Settings.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var known = string.Join(", ", ControlSchema.Commands.Select(c => c.Name));
        foreach (var name in handlers.Keys.Concat(commandsPerMinute?.Keys ?? []))
            if (ControlSchema.Commands.All(c => c.Name != name))
                throw new ArgumentException($"no command '{name}' in the control schema (known: {known})", nameof(handlers));
        foreach (var (name, limit) in commandsPerMinute ?? new Dictionary<string, int>())
            if (limit < 1)
                throw new ArgumentException($"command '{name}': a limit of {limit} per minute is not allowed (≥ 1)", nameof(commandsPerMinute));
        _commands = ControlSchema.Commands.Where(c => handlers.ContainsKey(c.Name))
            .ToDictionary(c => c.Name, c => (c, handlers[c.Name]), StringComparer.Ordinal);
        _rates = new CommandRateLimiter(
            ControlSchema.Commands.ToDictionary(c => c.Name,
                c => commandsPerMinute?.GetValueOrDefault(c.Name) is > 0 and var n ? n : c.DefaultPerMinute),
            time ?? TimeProvider.System);
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
        var parts = ControlText.ValidUnicode(relativeTopic).Split('/');
        if (parts.Length == 2 && parts[1] == "set" && parts[0] != "cmd")
            return parts[0].Length > ControlSchema.MaxNameLength ? Unanswerable(parts[0]) : HandleSetting(parts[0], payload);
        if (parts.Length == 2 && parts[0] == "cmd")
            return parts[1].Length > ControlSchema.MaxNameLength ? Unanswerable(parts[1]) : HandleCommand(parts[1], payload);
        return null;
    }

    private ControlReply HandleSetting(string name, ReadOnlySequence<byte> payload)
    {
        var resultTopic = $"{name}/result";
        if (!_settingSchemas.TryGetValue(name, out var schema))
            return Reject(resultTopic, name, null,
                $"unknown setting '{ControlText.Quote(name)}' (known: {string.Join(", ", _settingSchemas.Keys)})", RejectReason.UnknownSetting);
        if (payload.Length > ControlSchema.MaxSettingPayload)
            return Reject(resultTopic, name, null,
                $"{name}: payload of {payload.Length} bytes exceeds {ControlSchema.MaxSettingPayload}", RejectReason.TooLarge);
        if (!TryUtf8(payload, out var text))
            return Reject(resultTopic, name, null, $"{name}: payload is not valid UTF-8", RejectReason.InvalidUtf8);
        text = text.Trim();
        string? error;
        string state;
        lock (_applyGate)
        {
            error = schema.TryApply(_settings, text);
            state = _settings.StateText(name);
        }
        if (error is not null)
            return Reject(resultTopic, name, null, error, RejectReason.InvalidValue);
        Counters.Accept(name);
        return new ControlReply(resultTopic,
            ResultJson(name, null, true, null, null, new Dictionary<string, string> { ["value"] = state }), true, null,
            $"{name}/state", state);
    }

    private ControlReply HandleCommand(string name, ReadOnlySequence<byte> payload)
    {
        var resultTopic = $"cmd/{name}/result";
        if (!_commands.TryGetValue(name, out var command))
            return ControlSchema.Commands.Any(c => c.Name == name)
                ? Reject(resultTopic, name, null, $"command '{name}' is not available on this device", RejectReason.NotAvailable)
                : Reject(resultTopic, name, null,
                    $"unknown command '{ControlText.Quote(name)}' (known: {string.Join(", ", _commands.Keys)})", RejectReason.UnknownCommand);
        if (payload.Length > ControlSchema.MaxCommandPayload)
            return Reject(resultTopic, name, null,
                $"{name}: payload of {payload.Length} bytes exceeds {ControlSchema.MaxCommandPayload}", RejectReason.TooLarge);
        var arguments = CommandArguments.Parse(command.Schema, payload);
        if (arguments.Error is not null)
            return Reject(resultTopic, name, arguments.Id, arguments.Error, arguments.Reason!);
        if (!_rates.TryTake(name, out var retryAfter))
            return Reject(resultTopic, name, arguments.Id,
                $"{name}: rate limited to {_rates.PerMinute(name)} per minute; next allowed in {retryAfter.TotalSeconds:0.0} s",
                    RejectReason.RateLimited);
        CommandOutcome outcome;
        try
        {
            outcome = command.Handler(new CommandRequest(name, arguments.Id, arguments.Members!));
        }
        catch (Exception e)
        {
            outcome = CommandOutcome.Failure($"{name} failed: {e.Message}");
        }
        if (outcome.Ok)
            Counters.Accept(name);
        else
            Counters.Fail(name);
        return new ControlReply(resultTopic, ResultJson(name, arguments.Id, outcome.Ok, outcome.Error, null, outcome.Data),
            outcome.Ok, outcome.Error);
    }

    private ControlReply Reject(string resultTopic, string name, string? id, string error, string reason)
    {
        Counters.Reject(name, reason);
        return new ControlReply(resultTopic, ResultJson(name, id, false, error, reason, null), false, error, Reason: reason);
    }

    /// <summary>A name level too long to echo into a result topic (a hostile one could push the topic past MQTT's
    /// 65,535-byte limit): counted, not answered.</summary>
    private ControlReply Unanswerable(string name)
    {
        var error = $"a setting or command name of {name.Length} characters is longer than {ControlSchema.MaxNameLength}: not answered";
        Counters.Reject(name, RejectReason.NameTooLong);
        return new ControlReply(null, [], false, error, Reason: RejectReason.NameTooLong);
    }

    private static bool TryUtf8(ReadOnlySequence<byte> payload, out string text)
    {
        var bytes = payload.ToArray();
        text = System.Text.Unicode.Utf8.IsValid(bytes) ? Encoding.UTF8.GetString(bytes) : "";
        return text.Length > 0 || bytes.Length == 0;
    }

    /// <summary><c>{"name":…,"id":…,"ok":…,"error":…,"reason":…,"data":{…}}</c> (id/error/reason/data only when
    /// present).</summary>
    private static byte[] ResultJson(string name, string? id, bool ok, string? error, string? reason, IReadOnlyDictionary<string, string>? data)
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
            if (reason is not null)
                w.WriteString("reason", reason);
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
