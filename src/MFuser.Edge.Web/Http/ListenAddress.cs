using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MFuser.Edge.Web.Http;

/// <summary>A parsed <c>web.listen</c> value: an IP address and a port (0: the system picks a free one).
/// Host names other than <c>localhost</c> are refused: a daemon binds to an address, and resolving a name at start-up
/// would make the bound interface depend on DNS.</summary>
internal sealed record ListenAddress(IPAddress Address, int Port)
{
    public const string Expected =
        "host:port with an IPv4 address, [IPv6]:port, or localhost:port (e.g. 127.0.0.1:8080, 0.0.0.0:8080, [::1]:8080); " +
        "port 0 to 65535, 0 = any free port";

    /// <summary>True when only this machine can connect (127.0.0.0/8 or ::1).</summary>
    public bool IsLoopback => IPAddress.IsLoopback(Address);

    public static bool TryParse(string? text, out ListenAddress? address, out string problem)
    {
        address = null;
        problem = "";
        var value = text?.Trim() ?? "";
        string host, port;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']');
            if (close < 0 || close + 1 >= value.Length || value[close + 1] != ':')
                return Fail(out problem, "an IPv6 address in brackets followed by :port, e.g. [::1]:8080");
            host = value[1..close];
            port = value[(close + 2)..];
            if (!IPAddress.TryParse(host, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                return Fail(out problem, $"'{host}' is not an IPv6 address");
            return TryPort(port, v6, out address, out problem);
        }
        var colon = value.LastIndexOf(':');
        if (colon < 0)
            return Fail(out problem, "host:port (the port is missing)");
        host = value[..colon];
        port = value[(colon + 1)..];
        if (host.Contains(':'))
            return Fail(out problem, "an IPv6 address in brackets, e.g. [::1]:8080");
        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return TryPort(port, IPAddress.Loopback, out address, out problem);
        if (!IsDottedQuad(host) || !IPAddress.TryParse(host, out var v4))
            return Fail(out problem, $"an IP address, not '{host}' (host names other than localhost are not resolved)");
        return TryPort(port, v4, out address, out problem);
    }

    /// <summary>The address as a URL authority, e.g. <c>127.0.0.1:8080</c> or <c>[::1]:8080</c>.</summary>
    public override string ToString() =>
        Address.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{Address}]:{Port}" : $"{Address}:{Port}";

    private static bool TryPort(string text, IPAddress ip, out ListenAddress? address, out string problem)
    {
        address = null;
        if (text.Length == 0 || text.Length > 5 || !text.All(char.IsAsciiDigit) ||
            !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
            return Fail(out problem, $"a port from 0 to 65535, not '{text}'");
        problem = "";
        address = new ListenAddress(ip, port);
        return true;
    }

    private static bool IsDottedQuad(string host)
    {
        var parts = host.Split('.');
        return parts.Length == 4 && parts.All(p => p.Length is >= 1 and <= 3 && p.All(char.IsAsciiDigit));
    }

    private static bool Fail(out string problem, string what)
    {
        problem = what;
        return false;
    }
}
