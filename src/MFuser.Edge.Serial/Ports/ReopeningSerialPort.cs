using System.IO.Ports;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Serial.Ports;

/// <summary>
/// A serial port that is (re)opened on demand with bounded exponential backoff. A port that vanishes (USB adapter
/// unplugged, pty closed) is logged once when it is lost and once when it is back — not once per retry. Used from
/// one I/O thread; <see cref="Dispose"/> from another thread unblocks that thread's pending read or write.
/// </summary>
internal sealed class ReopeningSerialPort(SerialLinkOptions options, ILogger log, string role) : IDisposable
{
    /// <summary>How long a blocking read waits before returning to check for shutdown.</summary>
    public static readonly TimeSpan ReadPoll = TimeSpan.FromMilliseconds(250);

    private readonly object _gate = new();
    private SerialPort? _port;
    private bool _disposed;
    private bool _inOutage;
    private long _opens;

    /// <summary>Successful opens (the first one included).</summary>
    public long Opens => Interlocked.Read(ref _opens);

    public bool IsOpen
    {
        get
        {
            lock (_gate)
                return _port is { IsOpen: true };
        }
    }

    /// <summary>Returns the open port's stream, opening it (with backoff between failed attempts) if needed; null once
    /// disposed or cancelled.</summary>
    public Stream? Open(CancellationToken ct)
    {
        var delay = options.ReopenMin;
        while (!ct.IsCancellationRequested)
        {
            lock (_gate)
            {
                if (_disposed)
                    return null;
                if (_port is { IsOpen: true })
                    return _port.BaseStream;
                var port = new SerialPort(options.Path, options.BaudRate, Parity.None, 8, StopBits.One)
                {
                    Handshake = Handshake.None,
                    ReadTimeout = (int)ReadPoll.TotalMilliseconds,
                    WriteTimeout = 1000,
                };
                try
                {
                    port.Open();
                    _port = port;
                    Interlocked.Increment(ref _opens);
                    if (_inOutage)
                        log.LogInformation("{Role} serial port {Path} is back", role, options.Path);
                    else
                        log.LogInformation("{Role} serial port {Path} opened at {Baud} baud", role, options.Path, options.BaudRate);
                    _inOutage = false;
                    return port.BaseStream;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
                {
                    port.Dispose();
                    EnterOutage(e);
                }
            }
            ct.WaitHandle.WaitOne(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.ReopenMax.Ticks));
        }
        return null;
    }

    /// <summary>Closes the port after an I/O error; the next <see cref="Open"/> reopens it.</summary>
    public void Lost(Exception error)
    {
        lock (_gate)
        {
            Close();
            EnterOutage(error);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            Close();
        }
    }

    private void EnterOutage(Exception error)
    {
        if (_inOutage)
            return;
        _inOutage = true;
        // .NET reports a port that is not there as "access denied": say what is known.
        var why = File.Exists(options.Path) ? error.Message : "not present (unplugged?)";
        log.LogWarning("{Role} serial port {Path} unavailable ({Error}); reopening with backoff up to {Max}",
            role, options.Path, why, options.ReopenMax);
    }

    private void Close()
    {
        try
        {
            _port?.Dispose();
        }
        catch (IOException)
        {
            // the device is already gone
        }
        _port = null;
    }
}
