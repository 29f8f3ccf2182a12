using System.Net;
using System.Net.Sockets;

namespace MFuser.TestSupport;

/// <summary>
/// Forwards 127.0.0.1:<see cref="Port"/> to a target port, so a test can cut live connections abruptly
/// (<see cref="SeverAll"/>: TCP reset, no MQTT DISCONNECT — the broker then sends the client's Last Will) or make
/// the target unreachable (<see cref="StopListening"/>) or silently dead (<see cref="Blackhole"/>) without touching
/// the broker.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly int _targetPort;
    private readonly List<(Socket A, Socket B)> _pairs = [];
    private TcpListener? _listener;
    private CancellationTokenSource _cts = new();
    private volatile bool _blackhole;

    public TcpProxy(int targetPort, int port = 0)
    {
        _targetPort = targetPort;
        Port = port != 0 ? port : FreePort.Next();
    }

    public int Port { get; }

    /// <summary>Accepts and forwards connections until <see cref="StopListening"/>.</summary>
    public void Start()
    {
        _cts = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _ = AcceptLoopAsync(_listener, _cts.Token);
    }

    /// <summary>Refuses new connections (existing ones keep flowing).</summary>
    public void StopListening()
    {
        _cts.Cancel();
        _listener?.Stop();
        _listener = null;
    }

    /// <summary>Resets every forwarded connection at once (linger 0 → RST), as a cable pull or crash would.</summary>
    public void SeverAll()
    {
        lock (_pairs)
        {
            foreach (var (a, b) in _pairs)
            {
                Reset(a);
                Reset(b);
            }
            _pairs.Clear();
        }
    }

    /// <summary>While on, bytes on the current connections are swallowed without closing anything — a half-open
    /// link (pulled cable, dead NAT entry) that only keep-alive timeouts can detect. New connections made after
    /// <see cref="Blackhole"/>(false) forward normally.</summary>
    public void Blackhole(bool on = true)
    {
        _blackhole = on;
        if (!on)
            lock (_pairs)
            {
                foreach (var (a, b) in _pairs)
                {
                    Reset(a);
                    Reset(b);
                }
                _pairs.Clear();
            }
    }

    public ValueTask DisposeAsync()
    {
        StopListening();
        SeverAll();
        return ValueTask.CompletedTask;
    }

    private async Task AcceptLoopAsync(TcpListener listener, CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptSocketAsync(ct);
            }
            catch (Exception)
            {
                return;
            }
            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, _targetPort, ct);
            }
            catch (Exception)
            {
                Reset(client);
                upstream.Dispose();
                continue;
            }
            lock (_pairs)
                _pairs.Add((client, upstream));
            _ = PumpAsync(client, upstream);
            _ = PumpAsync(upstream, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                var n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                    break;
                if (_blackhole)
                    continue;
                await to.SendAsync(buffer.AsMemory(0, n), SocketFlags.None);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception)
        {
            // the other direction or SeverAll closed the sockets
        }
    }

    private static void Reset(Socket s)
    {
        try
        {
            s.LingerState = new LingerOption(true, 0);
            s.Close();
        }
        catch (Exception)
        {
        }
    }
}
