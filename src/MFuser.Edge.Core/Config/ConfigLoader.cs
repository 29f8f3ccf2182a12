using System.Collections;

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
            foreach (var (key, raw) in ConfigFile.Read(configFile, problems))
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
            if (ControlCharacter(raw.Trim()) is { } control)
                problems.Add(new ConfigProblem(origin, s.Key, raw, $"contains the control character {control}; expected {s.Allowed}"));
            else if (s.Parse(raw) is { } v)
                parsed[s.Key] = v;
            else
                problems.Add(new ConfigProblem(origin, s.Key, raw,
                    s.Explain(raw) is { } why ? $"expected {s.Allowed} ({why})" : $"expected {s.Allowed}"));
        }
        if (problems.Count > 0)
            throw new ConfigException(problems);

        var config = EdgeConfig.From(k => parsed[k]) with { Origins = values.ToDictionary(kv => kv.Key, kv => kv.Value.Origin) };
        problems.AddRange(config.CrossCheck(k => values[k].Origin));
        if (problems.Count > 0)
            throw new ConfigException(problems);
        return config;
    }

    /// <summary>"U+0000 at position 1" for the first control character in <paramref name="value"/>, or null. .NET's
    /// number parsing ignores trailing NULs ("5\0" reads as 5), so they are refused before any value is parsed.</summary>
    private static string? ControlCharacter(string value)
    {
        for (var i = 0; i < value.Length; i++)
            if (char.IsControl(value[i]))
                return $"U+{(int)value[i]:X4} at position {i}";
        return null;
    }
}
