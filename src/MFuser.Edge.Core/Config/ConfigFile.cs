using System.Text.Json;
using MFuser.ModelPackage.Files;

namespace MFuser.Edge.Core.Config;

/// <summary>Reads the <c>--config</c> JSON file into dotted keys (objects nest, arrays of strings become
/// comma-separated lists). Whatever the file holds, it yields problems, never an exception: a path that is a
/// directory or too large, bytes that are not UTF-8, invalid JSON, a key given twice (named with both lines),
/// unknown keys, wrong types and <c>\u</c> escapes that are lone surrogates.</summary>
internal static class ConfigFile
{
    /// <summary>Largest configuration file read; a bigger one (or an endless device such as /dev/zero) is refused.</summary>
    public const int MaxBytes = 1 << 20;

    private static readonly JsonReaderOptions ReaderOptions = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    public static IReadOnlyList<(string Key, string Raw)> Read(string path, List<ConfigProblem> problems)
    {
        void Fail(string problem) => problems.Add(new ConfigProblem(path, "--config", null, problem));
        if (path.Trim().Length == 0)
        {
            problems.Add(new ConfigProblem("--config", "--config", path, "expected the path of a JSON file, found an empty string"));
            return [];
        }
        if (Directory.Exists(path))
        {
            Fail("is a directory; expected a JSON file");
            return [];
        }
        if (RegularFile.Problem(path) is { } notRegular)
        {
            Fail($"is {notRegular}");
            return [];
        }
        byte[] bytes;
        try
        {
            bytes = ReadBounded(path);
        }
        catch (FileNotFoundException)
        {
            Fail("no such file");
            return [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"cannot read the file: {e.Message}");
            return [];
        }
        if (bytes.Length > MaxBytes)
        {
            Fail($"larger than {MaxBytes >> 20} MiB; expected a JSON configuration file");
            return [];
        }
        var json = bytes.AsMemory(bytes.AsSpan().StartsWith("\uFEFF"u8) ? 3 : 0);
        var lines = new LineMap(bytes);
        if (NotUtf8(json.Span) is { } bad)
        {
            Fail($"not UTF-8: byte 0x{json.Span[bad]:X2} at {lines.Describe(json.Length - json.Span.Length + bad)} (save the file as UTF-8)");
            return [];
        }
        if (json.Span.Trim(" \t\r\n"u8).IsEmpty)
        {
            Fail("the file is empty; expected a JSON object ({} for no settings)");
            return [];
        }
        try
        {
            FindDuplicateKeys(json.Span, path, bytes.Length - json.Length, lines, problems);
            using var doc = JsonDocument.Parse(json,
                new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                Fail($"expected a JSON object at the top level, found {doc.RootElement.ValueKind}");
                return [];
            }
            var result = new List<(string, string)>();
            Flatten(doc.RootElement, "", path, result, problems);
            return result;
        }
        catch (JsonException e)
        {
            Fail($"not valid JSON: {e.Message}");
            return [];
        }
    }

    /// <summary>Reads at most <see cref="MaxBytes"/> + 1 bytes, so an oversized file or an endless device is noticed
    /// without reading it all.</summary>
    private static byte[] ReadBounded(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.None);
        var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int n;
        while (buffer.Length <= MaxBytes && (n = stream.Read(chunk, 0, chunk.Length)) > 0)
            buffer.Write(chunk, 0, n);
        return buffer.ToArray();
    }

    /// <summary>Index of the first byte that is not part of valid UTF-8, or null.</summary>
    private static int? NotUtf8(ReadOnlySpan<byte> bytes)
    {
        var rest = bytes;
        Span<char> chars = stackalloc char[256];
        while (!rest.IsEmpty)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(rest, chars, out var read, out _, replaceInvalidSequences: false);
            if (status == System.Buffers.OperationStatus.InvalidData || (status == System.Buffers.OperationStatus.NeedMoreData && read == 0))
                return bytes.Length - rest.Length + read;
            rest = rest[read..];
        }
        return null;
    }

    /// <summary>JsonDocument keeps the last of two equal keys without a word; a key given twice is refused instead,
    /// naming both lines. Syntax errors are left to the document parser.</summary>
    private static void FindDuplicateKeys(ReadOnlySpan<byte> json, string path, int offset, LineMap lines, List<ConfigProblem> problems)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        var scopes = new Stack<(string Prefix, Dictionary<string, long>? Seen)>();
        var lastName = "";
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.StartObject:
                    var prefix = scopes.TryPeek(out var outer) && outer.Seen is not null ? $"{outer.Prefix}{lastName}." : "";
                    scopes.Push((prefix, new Dictionary<string, long>(StringComparer.Ordinal)));
                    break;
                case JsonTokenType.StartArray:
                    scopes.Push(("", null));
                    break;
                case JsonTokenType.EndObject or JsonTokenType.EndArray:
                    scopes.Pop();
                    break;
                case JsonTokenType.PropertyName when scopes.Peek().Seen is { } seen:
                    if (!TryGetString(ref reader, out var name))
                        break;
                    lastName = name;
                    var key = scopes.Peek().Prefix + name;
                    if (seen.TryGetValue(name, out var first))
                        problems.Add(new ConfigProblem(path, key, null,
                            $"given twice ({lines.Describe(offset + first)} and {lines.Describe(offset + reader.TokenStartIndex)}); "
                            + "give each key once"));
                    else
                        seen[name] = reader.TokenStartIndex;
                    break;
            }
        }
    }

    private static bool TryGetString(ref Utf8JsonReader reader, out string value)
    {
        try
        {
            value = reader.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return false;
        }
    }

    private static void Flatten(JsonElement obj, string section, string path, List<(string, string)> into, List<ConfigProblem> problems)
    {
        foreach (var p in obj.EnumerateObject())
        {
            if (!TryName(p, out var name))
            {
                problems.Add(new ConfigProblem(path, section.Length == 0 ? "(a key)" : section + ".(a key)", null, LoneSurrogate));
                continue;
            }
            var key = section.Length == 0 ? name : $"{section}.{name}";
            var isSection = ConfigSchema.Settings.Any(s => s.Key.StartsWith(key + ".", StringComparison.Ordinal));
            if (isSection && p.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(p.Value, key, path, into, problems);
                continue;
            }
            if (ConfigSchema.Find(key) is not { } setting)
            {
                var known = ConfigSchema.KeysIn(section).Select(k => section.Length == 0 ? k : k[(section.Length + 1)..]);
                problems.Add(new ConfigProblem(path, key, null,
                    isSection ? "is a section and must be a JSON object"
                    : $"unknown key (known{(section.Length == 0 ? "" : $" in '{section}'")}: {string.Join(", ", known)})"));
                continue;
            }
            // "source.max_fps" beside a "source" section that sets max_fps too (a key repeated literally is reported already)
            if (into.Any(k => k.Item1 == key) && !problems.Any(problem => problem.Key == key))
                problems.Add(new ConfigProblem(path, key, null, "given twice (once as a dotted key, once inside its section); give each key once"));
            else if (Scalar(p.Value) is { } raw)
                into.Add((key, raw));
            else if (p.Value.ValueKind is JsonValueKind.String or JsonValueKind.Array && HasInvalidString(p.Value))
                problems.Add(new ConfigProblem(path, key, null, LoneSurrogate));
            else
                problems.Add(new ConfigProblem(path, key, p.Value.GetRawText(), $"expected {setting.Allowed}"));
        }
    }

    private const string LoneSurrogate = "contains a \\u escape that is a lone UTF-16 surrogate (not a character); expected text";

    /// <summary>The value as configuration text, or null when its type cannot be one (or a string in it is not text).</summary>
    private static string? Scalar(JsonElement value)
    {
        try
        {
            return value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number => value.GetRawText(),
                JsonValueKind.True => "true",
                JsonValueKind.False => "false",
                JsonValueKind.Array when value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String)
                    => string.Join(",", value.EnumerateArray().Select(e => e.GetString())),
                _ => null,
            };
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static bool HasInvalidString(JsonElement value) =>
        value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray().Any(HasInvalidString)
            : value.ValueKind == JsonValueKind.String && !TryText(value);

    private static bool TryText(JsonElement value)
    {
        try
        {
            _ = value.GetString();
            return true;
        }
        catch (InvalidOperationException)
        {
            return false;
        }
    }

    private static bool TryName(JsonProperty p, out string name)
    {
        try
        {
            name = p.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    /// <summary>Byte offset → "line L, column C" (1-based; columns count bytes).</summary>
    private sealed class LineMap(byte[] bytes)
    {
        private readonly int[] _starts = [0, .. bytes.Select((b, i) => (b, i)).Where(t => t.b == (byte)'\n').Select(t => t.i + 1)];

        public string Describe(long offset)
        {
            var line = Array.BinarySearch(_starts, (int)offset);
            if (line < 0)
                line = ~line - 1;
            return $"line {line + 1}, column {offset - _starts[line] + 1}";
        }
    }
}
