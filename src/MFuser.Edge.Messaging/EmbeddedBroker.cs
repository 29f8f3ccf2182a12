using System.Net;
using System.Net.Sockets;
using MQTTnet.Server;

namespace MFuser.Edge.Messaging;

/// <summary>
/// An in-process MQTT broker (MQTTnet server) on a loopback port: the demo default, so a newcomer needs no broker.
/// The daemon talks to it through <see cref="MqttLink"/> like to any other broker; nothing depends on it being
/// MQTTnet. Retained messages live in memory only.
/// </summary>
public sealed class EmbeddedBroker : IAsyncDisposable
{
    private readonly MqttServer _server;

    private EmbeddedBroker(MqttServer server, IPAddress address, int port)
    {
        _server = server;
        Address = address;
        Port = port;
    }

    public IPAddress Address { get; }
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
        return new EmbeddedBroker(server, address, port);
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
