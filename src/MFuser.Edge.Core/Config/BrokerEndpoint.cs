namespace MFuser.Edge.Core.Config;

/// <summary>Where the MQTT client connects: the embedded in-process broker or <c>mqtt(s)://host:port</c>.</summary>
public sealed record BrokerEndpoint(bool Embedded, string Host, int Port, bool Tls)
{
    public static BrokerEndpoint EmbeddedBroker(int port) => new(true, "127.0.0.1", port, false);

    /// <summary>Parses <c>embedded</c>, <c>mqtt://host[:port]</c> (default 1883) or <c>mqtts://host[:port]</c>
    /// (default 8883). For <c>embedded</c> the port is 0 until the configuration supplies it. On failure
    /// <paramref name="problem"/> says what is wrong (the schema adds what is allowed).</summary>
    public static bool TryParse(string text, out BrokerEndpoint endpoint, out string problem)
    {
        endpoint = EmbeddedBroker(0);
        problem = "";
        if (string.Equals(text, "embedded", StringComparison.OrdinalIgnoreCase))
            return true;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            // .NET refuses a port over 65535 as "not a URI": say which part is wrong when it is the port.
            problem = System.Text.RegularExpressions.Regex.Match(text, @"^mqtts?://[^/:@]+:(\d+)/?$") is { Success: true } m
                ? $"port {m.Groups[1].Value}: a broker port is 1 to 65535"
                : "not a URL";
            return false;
        }
        if (uri.Scheme != "mqtt" && uri.Scheme != "mqtts")
            problem = $"the scheme is '{uri.Scheme}'";
        else if (uri.UserInfo.Length > 0)
            problem = "credentials go in broker.username / broker.password, not in the URL";
        else if (uri.Host.Length == 0 || uri.AbsolutePath is not ("" or "/") || uri.Query.Length > 0 || uri.Fragment.Length > 0)
            problem = "expected only a host and an optional port";
        else if (uri.Port == 0)
            problem = "port 0: a broker port is 1 to 65535";
        if (problem.Length > 0)
            return false;
        var tls = uri.Scheme == "mqtts";
        endpoint = new BrokerEndpoint(false, uri.Host, uri.IsDefaultPort || uri.Port < 0 ? (tls ? 8883 : 1883) : uri.Port, tls);
        return true;
    }

    public override string ToString() => Embedded ? $"embedded (127.0.0.1:{Port})" : $"{(Tls ? "mqtts" : "mqtt")}://{Host}:{Port}";
}
