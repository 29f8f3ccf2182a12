using System.Net.Sockets;
using System.Text;

namespace MFuser.Edge.Tests.Systemd;

/// <summary>A real unix datagram socket playing systemd's notify socket; records every datagram with its arrival
/// time.</summary>
internal sealed class NotifySocket : IDisposable
{
    private readonly Socket _socket = new(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
    private readonly List<(string Text, DateTime At)> _received = [];
    private readonly Thread _thread;
    private readonly string? _file;

    /// <param name="abstractName">Bind in the abstract namespace (NOTIFY_SOCKET=@name) instead of a file.</param>
    public NotifySocket(bool abstractName = false)
    {
        var name = "mfuser-notify-" + Guid.NewGuid().ToString("N")[..10];
        if (abstractName)
        {
            _socket.Bind(new UnixDomainSocketEndPoint("\0" + name));
            Address = "@" + name;
        }
        else
        {
            _file = Path.Combine(Path.GetTempPath(), name + ".sock");
            _socket.Bind(new UnixDomainSocketEndPoint(_file));
            Address = _file;
        }
        _thread = new Thread(Receive) { IsBackground = true };
        _thread.Start();
    }

    /// <summary>What goes into NOTIFY_SOCKET.</summary>
    public string Address { get; }

    public IReadOnlyList<(string Text, DateTime At)> Received
    {
        get
        {
            lock (_received)
                return _received.ToList();
        }
    }

    private void Receive()
    {
        var buffer = new byte[4096];
        try
        {
            while (true)
            {
                var n = _socket.Receive(buffer);
                lock (_received)
                    _received.Add((Encoding.UTF8.GetString(buffer, 0, n), DateTime.UtcNow));
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // closed
        }
    }

    public void Dispose()
    {
        _socket.Shutdown(SocketShutdown.Both);
        _socket.Dispose();
        _thread.Join(2000);
        if (_file is not null)
            File.Delete(_file);
    }
}
