using System.Globalization;
using System.Text;

namespace MFuser.Edge.Core.Control;

/// <summary>
/// The schemas of the MQTT control surface (docs/mqtt-api.md, Frigate's set/state pattern). Settings take a plain-text
/// payload; commands take an optional JSON object whose members are all strings. Every check names the topic, the
/// field, what was expected and what arrived.
/// </summary>
public static class ControlSchema
{
    /// <summary>Largest setting payload, bytes.</summary>
    public const int MaxSettingPayload = 32;

    /// <summary>Largest command payload, bytes.</summary>
    public const int MaxCommandPayload = 1024;

    /// <summary>Longest request id echoed back on the result topic.</summary>
    public const int MaxRequestId = 64;

    /// <summary>Longest setting or command name (the topic level) that is answered: an unknown name is echoed into its
    /// result topic, and a longer one could make that topic undeliverable. The known names are far shorter.</summary>
    public const int MaxNameLength = 64;

    /// <summary>Default limit of every command, runs per minute (config <c>control.&lt;command&gt;_per_min</c>).</summary>
    public const int DefaultCommandsPerMinute = 6;

    /// <summary>Runtime settings and how their payload is read.</summary>
    public static IReadOnlyList<SettingSchema> Settings { get; } =
    [
        SettingSchema.Rate(RuntimeSettings.SegmentationHzName, "rate of <base>/segmentation PNGs (0: off)", (s, v) => s.SetSegmentationHz(v)),
        SettingSchema.Rate(RuntimeSettings.OverlayHzName, "rate of <base>/overlay JPEGs (0: off)", (s, v) => s.SetOverlayHz(v)),
        SettingSchema.OnOff(RuntimeSettings.RecordingName, "manual field-log recording", (s, v) => s.SetRecording(v)),
    ];

    /// <summary>One-shot commands and the members their JSON payload may have (<c>id</c> is allowed on all).</summary>
    public static IReadOnlyList<CommandSchema> Commands { get; } =
    [
        new("snapshot", "save the current frame, labels and overlay to the field log",
            [new FieldSchema("reason", Required: false, MaxLength: 200, FieldSchema.Printable)]),
        new("mark_event", "mark a moment in the field log (an operator's note)",
            [
                new FieldSchema("label", Required: true, MaxLength: 64, FieldSchema.Identifier),
                new FieldSchema("note", Required: false, MaxLength: 512, FieldSchema.Printable),
            ]),
    ];
}

/// <summary>A runtime setting: its name, what it accepts and how a valid value is applied.</summary>
public sealed class SettingSchema
{
    private readonly Func<string, (bool Ok, object Value)> _parse;
    private readonly Action<RuntimeSettings, object> _apply;

    private SettingSchema(string name, string allowed, string description, Func<string, (bool, object)> parse, Action<RuntimeSettings, object> apply)
    {
        (Name, Allowed, Description, _parse, _apply) = (name, allowed, description, parse, apply);
    }

    public string Name { get; }
    public string Allowed { get; }
    public string Description { get; }

    /// <summary>Parses and applies <paramref name="text"/>; null on success, else the error message.</summary>
    internal string? TryApply(RuntimeSettings settings, string text)
    {
        var (ok, value) = _parse(text);
        if (!ok)
            return $"{Name}: expected {Allowed}, got '{ControlText.Quote(text)}'";
        _apply(settings, value);
        return null;
    }

    internal static SettingSchema Rate(string name, string description, Action<RuntimeSettings, double> apply) =>
        new(name, $"0 (off) or a number from {Config.ConfigSchema.MinRateHz.ToString(CultureInfo.InvariantCulture)} to " +
                  $"{RuntimeSettings.MaxHz.ToString(CultureInfo.InvariantCulture)}", description,
            // .NET parses "-Infinity" even without AllowLeadingSign, and "2\0" (trailing NULs): only plain, finite values in
            // range pass, and no rate below the one the state can show (it has three decimals).
            t => !t.Any(char.IsControl) && double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v)
                 && double.IsFinite(v) && (v == 0 || (v >= Config.ConfigSchema.MinRateHz && v <= RuntimeSettings.MaxHz))
                ? (true, v)
                : (false, 0.0),
            (s, v) => apply(s, (double)v));

    internal static SettingSchema OnOff(string name, string description, Action<RuntimeSettings, bool> apply) =>
        new(name, "ON or OFF", description,
            t => t.Equals("ON", StringComparison.OrdinalIgnoreCase) ? (true, true)
                : t.Equals("OFF", StringComparison.OrdinalIgnoreCase) ? (true, false) : (false, false),
            (s, v) => apply(s, (bool)v));
}

/// <summary>A one-shot command and the string members of its JSON payload.</summary>
public sealed record CommandSchema(string Name, string Description, IReadOnlyList<FieldSchema> Fields)
{
    /// <summary>Runs per minute allowed unless the configuration says otherwise.</summary>
    public int DefaultPerMinute => ControlSchema.DefaultCommandsPerMinute;
}

/// <summary>A string member of a command payload: required or not, at most <paramref name="MaxLength"/> characters,
/// every character accepted by <paramref name="Accept"/>.</summary>
public sealed record FieldSchema(string Name, bool Required, int MaxLength, FieldSchema.CharacterClass Accept)
{
    /// <summary>Which characters a field accepts, with its description for error messages.</summary>
    public sealed record CharacterClass(string Description, Func<Rune, bool> Accepts);

    /// <summary>Letters, digits, space, '_', '-', '.', ':'.</summary>
    public static readonly CharacterClass Identifier = new("letters, digits, space and _ - . :",
        r => r.IsAscii && (char.IsAsciiLetterOrDigit((char)r.Value) || r.Value is ' ' or '_' or '-' or '.' or ':'));

    /// <summary>Any Unicode text without control characters.</summary>
    public static readonly CharacterClass Printable = new("text without control characters", r => !Rune.IsControl(r));
}

/// <summary>Helpers for error texts built from untrusted input.</summary>
internal static class ControlText
{
    /// <summary><paramref name="text"/> with every lone UTF-16 surrogate replaced by U+FFFD, so it can be written as
    /// JSON (a topic level can hold one when a caller builds it from a string rather than from MQTT's UTF-8).</summary>
    public static string ValidUnicode(string text) =>
        text.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF') ? Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)) : text;

    /// <summary>At most 40 characters of <paramref name="text"/>, control characters escaped, for log and error
    /// messages.</summary>
    public static string Quote(string text)
    {
        var sb = new StringBuilder();
        foreach (var c in text.Length > 40 ? text[..40] : text)
            sb.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        if (text.Length > 40)
            sb.Append($"… ({text.Length} characters)");
        return sb.ToString();
    }
}
