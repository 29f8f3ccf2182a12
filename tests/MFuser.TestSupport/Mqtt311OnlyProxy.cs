using System.Net;
using System.Net.Sockets;

namespace MFuser.TestSupport;

/// <summary>
/// A broker that speaks MQTT 3.1.1 only, made from a real mosquitto (which speaks both) by a front door on
/// 127.0.0.1:<see cref="Port"/>: a CONNECT with protocol level 5 is answered the way 3.1.1-only brokers (mosquitto 1.x,
/// MQTT 3.1.1 §3.1.2.2) answer it — a 3.1.1 CONNACK with return code 0x01 "unacceptable protocol version", then the
/// connection is closed; any other CONNECT is passed to mosquitto and the connection forwarded both ways.
/// </summary>
public sealed class Mqtt311OnlyProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private int _refusedV5;

    public Mqtt311OnlyProxy(int targetPort)
    {
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoopAsync();
    }

    public int Port { get; }

    /// <summary>MQTT 5 CONNECTs refused so far.</summary>
    public int RefusedV5 => Volatile.Read(ref _refusedV5);

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception)
            {
                return;
            }
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(Socket client)
    {
        try
        {
            var connect = await ReadPacketAsync(client);
            // CONNECT body: protocol name (u16 length + bytes), then the protocol level.
            var nameLength = (connect.Body[0] << 8) | connect.Body[1];
            if (connect.Body[2 + nameLength] == 5)
            {
                Interlocked.Increment(ref _refusedV5);
                await client.SendAsync(new byte[] { 0x20, 0x02, 0x00, 0x01 }, SocketFlags.None);
                client.Shutdown(SocketShutdown.Both);
                client.Close();
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await upstream.ConnectAsync(IPAddress.Loopback, _targetPort);
            await upstream.SendAsync(connect.Raw, SocketFlags.None);
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
        catch (Exception)
        {
            client.Close();
        }
    }

    private static async Task<(byte[] Raw, byte[] Body)> ReadPacketAsync(Socket socket)
    {
        var header = new List<byte> { await ReadByteAsync(socket) };
        int length = 0, shift = 0;
        byte b;
        do
        {
            b = await ReadByteAsync(socket);
            header.Add(b);
            length |= (b & 0x7f) << shift;
            shift += 7;
        } while ((b & 0x80) != 0);
        var body = new byte[length];
        for (var read = 0; read < length;)
        {
            var n = await socket.ReceiveAsync(body.AsMemory(read), SocketFlags.None);
            if (n == 0)
                throw new IOException("connection closed inside CONNECT");
            read += n;
        }
        return ([.. header, .. body], body);
    }

    private static async Task<byte> ReadByteAsync(Socket socket)
    {
        var one = new byte[1];
        if (await socket.ReceiveAsync(one, SocketFlags.None) == 0)
            throw new IOException("connection closed before CONNECT");
        return one[0];
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            int n;
            while ((n = await from.ReceiveAsync(buffer, SocketFlags.None)) > 0)
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            from.Close();
            to.Close();
        }
    }
}
