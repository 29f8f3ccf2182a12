using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace MFuser.Edge.Systemd;

/// <summary>
/// sd_notify(3) without libsystemd: datagrams to the unix socket named by <c>NOTIFY_SOCKET</c> (a path, or
/// <c>@name</c> for the abstract namespace). Outside systemd (no <c>NOTIFY_SOCKET</c>) every call is a cheap no-op
/// returning false. Sending never blocks and never throws: a failed send returns false and is counted. Thread-safe.
/// .NET's <c>UseSystemd()</c> sends READY/STOPPING only; this class adds WATCHDOG, STATUS and EXTEND_TIMEOUT_USEC.
/// </summary>
public sealed class SystemdNotifier : IDisposable
{
    private static readonly byte[] WatchdogMessage = "WATCHDOG=1"u8.ToArray();
    private readonly Socket? _socket;
    private readonly UnixDomainSocketEndPoint? _endPoint;
    private readonly object _sendGate = new();
    private long _sent, _failed;

    /// <param name="notifySocket">The value of <c>NOTIFY_SOCKET</c>; null or empty disables the notifier.</param>
    /// <param name="watchdogUsec">The value of <c>WATCHDOG_USEC</c> (null: no watchdog).</param>
    /// <param name="watchdogPid">The value of <c>WATCHDOG_PID</c>: when set and not this process, the watchdog is
    /// meant for another process and is ignored (sd_watchdog_enabled(3)).</param>
    public SystemdNotifier(string? notifySocket, string? watchdogUsec = null, string? watchdogPid = null)
    {
        if (!string.IsNullOrEmpty(notifySocket))
        {
            var path = notifySocket[0] == '@' ? "\0" + notifySocket[1..] : notifySocket;
            _endPoint = new UnixDomainSocketEndPoint(path);
            _socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified) { Blocking = false };
            SocketPath = notifySocket;
        }
        if (long.TryParse(watchdogUsec, NumberStyles.None, CultureInfo.InvariantCulture, out var usec) && usec > 0
            && (string.IsNullOrEmpty(watchdogPid) || watchdogPid == Environment.ProcessId.ToString(CultureInfo.InvariantCulture)))
            WatchdogTimeout = TimeSpan.FromTicks(usec * 10);
    }

    /// <summary>The notifier of this process, from its environment.</summary>
    public static SystemdNotifier FromEnvironment() => new(Environment.GetEnvironmentVariable("NOTIFY_SOCKET"),
        Environment.GetEnvironmentVariable("WATCHDOG_USEC"), Environment.GetEnvironmentVariable("WATCHDOG_PID"));

    /// <summary>True when running under systemd with a notify socket.</summary>
    public bool IsEnabled => _socket is not null;

    /// <summary><c>NOTIFY_SOCKET</c> as given (null when disabled).</summary>
    public string? SocketPath { get; }

    /// <summary>The service's <c>WatchdogSec=</c> (null: no watchdog configured). Pet at half of it.</summary>
    public TimeSpan? WatchdogTimeout { get; }

    /// <summary>Datagrams sent and sends that failed.</summary>
    public (long Sent, long Failed) Counters => (Interlocked.Read(ref _sent), Interlocked.Read(ref _failed));

    /// <summary>Start-up finished: <c>READY=1</c> (with a status line).</summary>
    public bool Ready(string status = "running") => Notify($"READY=1\nSTATUS={Clean(status)}");

    /// <summary>Shutdown began: <c>STOPPING=1</c>.</summary>
    public bool Stopping(string status = "stopping") => Notify($"STOPPING=1\nSTATUS={Clean(status)}");

    /// <summary>Free-form status shown by <c>systemctl status</c>.</summary>
    public bool Status(string status) => Notify("STATUS=" + Clean(status));

    /// <summary>Pets the watchdog: <c>WATCHDOG=1</c> (allocation-free).</summary>
    public bool Watchdog() => Send(WatchdogMessage);

    /// <summary>Asks for more time for the current phase (start-up, e.g. a TensorRT engine build, or shutdown):
    /// <c>EXTEND_TIMEOUT_USEC=…</c> — systemd then waits at least <paramref name="extra"/> from now.</summary>
    public bool ExtendTimeout(TimeSpan extra, string? status = null)
    {
        var usec = Math.Max(1, extra.Ticks / 10).ToString(CultureInfo.InvariantCulture);
        return Notify(status is null ? $"EXTEND_TIMEOUT_USEC={usec}" : $"EXTEND_TIMEOUT_USEC={usec}\nSTATUS={Clean(status)}");
    }

    /// <summary>Sends raw <c>KEY=VALUE</c> lines.</summary>
    public bool Notify(string state) => _socket is not null && Send(Encoding.UTF8.GetBytes(state));

    public void Dispose() => _socket?.Dispose();

    private bool Send(byte[] datagram)
    {
        if (_socket is null)
            return false;
        try
        {
            lock (_sendGate)
                _socket.SendTo(datagram, _endPoint!);
            Interlocked.Increment(ref _sent);
            return true;
        }
        catch (SocketException)
        {
            Interlocked.Increment(ref _failed);
            return false;
        }
    }

    /// <summary>A status is one line: newlines would start new KEY=VALUE assignments.</summary>
    private static string Clean(string status) => status.ReplaceLineEndings(" ");
}
