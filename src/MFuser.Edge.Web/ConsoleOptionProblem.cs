namespace MFuser.Edge.Web;

/// <summary>One invalid console option: the configuration key, the value as given (secrets are not repeated) and
/// what was expected. The daemon's configuration loader reports these and exits with code 2.</summary>
public sealed record ConsoleOptionProblem(string Key, string Value, string Expected)
{
    public override string ToString() => $"{Key} = '{Value}' is not allowed: expected {Expected}";
}
