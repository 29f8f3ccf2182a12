using System.Net;
using System.Net.Sockets;

namespace MFuser.TestSupport;

/// <summary>Free TCP ports on the loopback interface.</summary>
public static class FreePort
{
    private static readonly HashSet<int> Given = [];

    /// <summary>A port nothing listens on right now (the OS picks it; a tiny race with other processes remains), and
    /// never one this process was given before: the OS may hand a just-released port out again, and a test that asks
    /// twice (a console port, then a broker port) got the same one and saw "address already in use".</summary>
    public static int Next()
    {
        lock (Given)
            for (var attempt = 0; ; attempt++)
            {
                using var listener = new TcpListener(IPAddress.Loopback, 0);
                listener.Start();
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (Given.Add(port) || attempt >= 100)
                    return port;
            }
    }

    /// <summary>Waits until something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> WaitListeningAsync(int port, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, port);
                return true;
            }
            catch (SocketException)
            {
                await Task.Delay(25);
            }
        }
        return false;
    }
}
