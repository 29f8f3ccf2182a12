namespace MFuser.Edge.Web;

/// <summary>What <c>/readyz</c> answers: 200 when <see cref="IsReady"/>, else 503; <see cref="Reason"/> goes into the
/// body either way.</summary>
public readonly record struct ConsoleReadiness(bool IsReady, string Reason)
{
    public static ConsoleReadiness Ready(string reason = "ready") => new(true, reason);

    public static ConsoleReadiness NotReady(string reason) => new(false, reason);
}
