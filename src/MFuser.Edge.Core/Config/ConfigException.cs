namespace MFuser.Edge.Core.Config;

/// <summary>One rejected configuration entry: where it came from, the key, the value and what is allowed. The value is
/// kept as it may be shown: hidden for a secret key, URL passwords masked (<see cref="Secrets"/>).</summary>
public sealed record ConfigProblem(string Origin, string Key, string? Value, string Problem)
{
    public string Origin { get; init; } = Secrets.Printable(Origin);
    public string Key { get; init; } = Secrets.Printable(Key);
    public string? Value { get; init; } = Secrets.ForDisplay(Key, Value);

    /// <summary>The explanation, on one line: it may quote text from the input (a decoded URI, a file's content).</summary>
    public string Problem { get; init; } = Secrets.Printable(Problem, Secrets.MaxExplained);

    public override string ToString() =>
        Value is null ? $"{Origin}: {Key}: {Problem}" : $"{Origin}: {Key} = '{Value}' is not allowed: {Problem}";
}

/// <summary>The configuration could not be accepted; the daemon exits with code 2 (docs/configuration.md).</summary>
public sealed class ConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}
