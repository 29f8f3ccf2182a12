using System.Globalization;
using MFuser.Edge.Web.Http;

namespace MFuser.Edge.Web;

/// <summary>The <c>web.*</c> configuration section. <see cref="Validate"/> is pure: the daemon's configuration
/// loader calls it at start-up so a bad value stops the daemon (exit 2) instead of failing later.</summary>
public sealed record ConsoleOptions
{
    public const string EnabledKey = "web.enabled";
    public const string ListenKey = "web.listen";
    public const string TokenKey = "web.token";
    public const string FpsKey = "web.fps";

    public const string DefaultListen = "127.0.0.1:8080";
    public const double DefaultFps = 5;
    public const double MinFps = 0.2;
    public const double MaxFps = 30;
    public const int MinTokenLength = 16;
    public const int MaxTokenLength = 256;

    /// <summary>Serve the console at all.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Where Kestrel listens: <c>host:port</c>, <c>[v6]:port</c>, <c>0.0.0.0:port</c>; port 0 picks a free port.</summary>
    public string Listen { get; init; } = DefaultListen;

    /// <summary>Bearer token every request but <c>/healthz</c> must present; required beyond loopback, empty = none.</summary>
    public string Token { get; init; } = "";

    /// <summary>Highest rate of the image views (MJPEG streams and the images the daemon is asked to encode).</summary>
    public double Fps { get; init; } = DefaultFps;

    /// <summary>Every problem with these options (empty when they are usable), each naming the key, the value and
    /// what was expected.</summary>
    public IReadOnlyList<ConsoleOptionProblem> Validate()
    {
        var problems = new List<ConsoleOptionProblem>();
        if (!ListenAddress.TryParse(Listen, out var listen, out var listenProblem))
            problems.Add(new(ListenKey, Listen ?? "", $"{listenProblem}; allowed: {ListenAddress.Expected}"));
        if (!double.IsFinite(Fps) || Fps < MinFps || Fps > MaxFps)
            problems.Add(new(FpsKey, Fps.ToString(CultureInfo.InvariantCulture), $"a number from {MinFps} to {MaxFps}"));
        var token = Token ?? "";
        if (token.Length > 0 && (token.Length < MinTokenLength || token.Length > MaxTokenLength || !token.All(IsTokenChar)))
        {
            problems.Add(new(TokenKey, Hidden(token),
                $"{MinTokenLength} to {MaxTokenLength} characters from A-Z a-z 0-9 - . _ ~ (e.g. the output of 'openssl rand -hex 32')"));
        }
        else if (Enabled && token.Length == 0 && listen is { IsLoopback: false })
        {
            problems.Add(new(TokenKey, "",
                $"a token of at least {MinTokenLength} characters, because {ListenKey} = '{Listen}' is reachable from other " +
                "machines (only loopback addresses may go without one)"));
        }
        return problems;
    }

    /// <summary>Leaves the token out, so logging the options never leaks it.</summary>
    public override string ToString() =>
        $"ConsoleOptions {{ Enabled = {Enabled}, Listen = {Listen}, Token = {Hidden(Token ?? "")}, Fps = {Fps} }}";

    internal static bool IsTokenChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~';

    private static string Hidden(string token) => token.Length == 0 ? "" : $"(hidden, {token.Length} characters)";
}
