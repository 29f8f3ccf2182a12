using System.Collections;
using System.Text.Json;

namespace MFuser.Edge.Core.Config;

/// <summary>Builds an <see cref="EdgeConfig"/> from three layers, each overriding the one before: defaults, the
/// JSON file (<c>--config</c>), <c>MFUSER_*</c> environment variables, then command-line options. Every problem is
/// collected (unknown keys, wrong types, values out of range) and reported together in a <see cref="ConfigException"/>.</summary>
public static class ConfigLoader
{
    /// <summary>Loads and validates the configuration.</summary>
    /// <param name="configFile">JSON file, or null for none.</param>
    /// <param name="environment">Environment variables (only <c>MFUSER_*</c> ones are read).</param>
    /// <param name="commandLine">Key → value pairs from CLI options, with the option name as origin.</param>
    public static EdgeConfig Load(string? configFile, IDictionary environment,
        IEnumerable<(string Key, string Value, string Option)> commandLine)
    {
        var problems = new List<ConfigProblem>();
        var values = ConfigSchema.Settings.ToDictionary(s => s.Key, s => (Raw: s.Default, Origin: "default"));

        if (configFile is not null)
            foreach (var (key, raw) in ReadFile(configFile, problems))
                values[key] = (raw, configFile);

        var byEnvName = ConfigSchema.Settings.ToDictionary(s => s.EnvironmentName, StringComparer.Ordinal);
        foreach (DictionaryEntry e in environment)
        {
            var name = (string)e.Key;
            if (!name.StartsWith(ConfigSchema.EnvironmentPrefix, StringComparison.Ordinal))
                continue;
            if (byEnvName.TryGetValue(name, out var setting))
                values[setting.Key] = ((string?)e.Value ?? "", $"environment {name}");
            else
                problems.Add(new ConfigProblem("environment", name, null,
                    $"unknown variable (known: {string.Join(", ", byEnvName.Keys.Order())})"));
        }

        foreach (var (key, value, option) in commandLine)
            values[key] = (value, option);

        var parsed = new Dictionary<string, object>();
        foreach (var s in ConfigSchema.Settings)
        {
            var (raw, origin) = values[s.Key];
            if (s.Parse(raw) is { } v)
                parsed[s.Key] = v;
            else
                problems.Add(new ConfigProblem(origin, s.Key, raw, $"expected {s.Allowed}"));
        }
        if (problems.Count > 0)
            throw new ConfigException(problems);

        var config = EdgeConfig.From(k => parsed[k]);
        problems.AddRange(config.CrossCheck(k => values[k].Origin));
        if (problems.Count > 0)
            throw new ConfigException(problems);
        return config;
    }

    /// <summary>Flattens the JSON file into dotted keys; objects nest, arrays become comma-separated lists.</summary>
    private static IEnumerable<(string Key, string Raw)> ReadFile(string path, List<ConfigProblem> problems)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new ConfigProblem(path, "--config", null, $"cannot read the file: {e.Message}"));
            return [];
        }
        catch (JsonException e)
        {
            problems.Add(new ConfigProblem(path, "--config", null, $"not valid JSON: {e.Message}"));
            return [];
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                problems.Add(new ConfigProblem(path, "--config", null, $"expected a JSON object at the top level, found {doc.RootElement.ValueKind}"));
                return [];
            }
            var result = new List<(string, string)>();
            Flatten(doc.RootElement, "", path, result, problems);
            return result;
        }
    }

    private static void Flatten(JsonElement obj, string section, string path, List<(string, string)> into, List<ConfigProblem> problems)
    {
        foreach (var p in obj.EnumerateObject())
        {
            var key = section.Length == 0 ? p.Name : $"{section}.{p.Name}";
            var isSection = ConfigSchema.Settings.Any(s => s.Key.StartsWith(key + ".", StringComparison.Ordinal));
            if (isSection && p.Value.ValueKind == JsonValueKind.Object)
            {
                Flatten(p.Value, key, path, into, problems);
                continue;
            }
            if (ConfigSchema.Find(key) is null)
            {
                var known = ConfigSchema.KeysIn(section).Select(k => section.Length == 0 ? k : k[(section.Length + 1)..]);
                problems.Add(new ConfigProblem(path, key, null,
                    isSection ? "is a section and must be a JSON object" : $"unknown key (known{(section.Length == 0 ? "" : $" in '{section}'")}: {string.Join(", ", known)})"));
                continue;
            }
            switch (p.Value.ValueKind)
            {
                case JsonValueKind.String:
                    into.Add((key, p.Value.GetString()!));
                    break;
                case JsonValueKind.Number:
                    into.Add((key, p.Value.GetRawText()));
                    break;
                case JsonValueKind.True or JsonValueKind.False:
                    into.Add((key, p.Value.GetBoolean() ? "true" : "false"));
                    break;
                case JsonValueKind.Array when p.Value.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String):
                    into.Add((key, string.Join(",", p.Value.EnumerateArray().Select(e => e.GetString()))));
                    break;
                default:
                    problems.Add(new ConfigProblem(path, key, p.Value.GetRawText(), $"expected {ConfigSchema.Find(key)!.Allowed}"));
                    break;
            }
        }
    }
}
