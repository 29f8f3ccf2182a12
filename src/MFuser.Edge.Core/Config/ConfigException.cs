namespace MFuser.Edge.Config;

/// <summary>One rejected configuration entry: where it came from, the key, the value and what is allowed.</summary>
public sealed record ConfigProblem(string Origin, string Key, string? Value, string Problem)
{
    public override string ToString() =>
        Value is null ? $"{Origin}: {Key}: {Problem}" : $"{Origin}: {Key} = '{Value}' is not allowed: {Problem}";
}

/// <summary>The configuration could not be accepted; the daemon exits with <see cref="ExitCodes.Configuration"/>.</summary>
public sealed class ConfigException(IReadOnlyList<ConfigProblem> problems)
    : Exception("invalid configuration:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  " + p)))
{
    public IReadOnlyList<ConfigProblem> Problems { get; } = problems;
}

/// <summary>Process exit codes of mfuser-edge (documented in docs/configuration.md).</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Unexpected = 1;
    public const int Configuration = 2;
    public const int ModelPackage = 3;
    public const int SourceUnavailable = 4;
    public const int NoExecutionProvider = 5;
}
