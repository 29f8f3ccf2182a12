using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace MFuser.Edge.Messaging;

/// <summary>
/// An in-process MQTT broker (MQTTnet server) on a loopback port: the demo default, so a newcomer needs no broker.
/// The daemon talks to it through <see cref="MqttLink"/> like to any other broker; nothing depends on it being
/// MQTTnet. Retained messages live in memory only, within a <see cref="BrokerBudget"/> (any local process may publish).
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private readonly BrokerBudget _budget;

    private EmbeddedBroker(MqttServer server, BrokerBudget budget, IPAddress address, int port)
    {
        _server = server;
        _budget = budget;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }

    /// <summary>Publishes refused for their size (over <see cref="BrokerBudget.MaxMessageBytes"/>).</summary>
    public long RefusedMessages => _budget.Refused;

    /// <summary>Retained publishes delivered without being retained (the retained store was at its bound).</summary>
    public long NotRetained => _budget.NotRetained;

    public int Port { get; }

    /// <summary>Where clients connect, e.g. <c>mqtt://127.0.0.1:1883</c>.</summary>
    public string Uri => $"mqtt://{Address}:{Port}";

    /// <summary>Starts the broker on <paramref name="port"/> (0: a free port) of <paramref name="address"/>
    /// (default loopback). Throws <see cref="InvalidOperationException"/> naming the port if it cannot listen.</summary>
    public static async Task<EmbeddedBroker> StartAsync(int port, IPAddress? address = null)
    {
        address ??= IPAddress.Loopback;
        if (port == 0)
            port = FreePort(address);
        var options = new MqttServerOptionsBuilder()
            .WithDefaultEndpoint()
            .WithDefaultEndpointBoundIPAddress(address)
            .WithDefaultEndpointPort(port)
            .Build();
        var server = new MqttServerFactory().CreateMqttServer(options);
        var budget = new BrokerBudget();
        server.InterceptingPublishAsync += budget.InterceptAsync;
        // Like standard brokers (MQTT 5 §3.1.3.1), give an MQTT 5 client that connects without an identifier one of its
        // own, so `mosquitto_sub -V mqttv5` with no -i can watch the demo. MQTTnet 5.2 refuses an empty identifier on
        // MQTT 3.1.1 before this hook runs (mosquitto would accept it): 3.1.1 clients must pass -i.
        server.ValidatingConnectionAsync += e =>
        {
            if (string.IsNullOrEmpty(e.ClientId))
                e.AssignedClientIdentifier = "auto-" + Guid.NewGuid().ToString("N");
            return Task.CompletedTask;
        };
        try
        {
            await server.StartAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            server.Dispose();
            throw new InvalidOperationException(
                $"embedded MQTT broker cannot listen on {address}:{port}: {e.Message} (is another broker using the port? set broker.embedded_port)", e);
        }
        return new EmbeddedBroker(server, budget, address, port);
    }

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync().ConfigureAwait(false);
        _server.Dispose();
    }

    private static int FreePort(IPAddress address)
    {
        using var listener = new TcpListener(address, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
