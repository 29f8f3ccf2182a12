using System.Diagnostics;
using System.Text;

namespace MFuser.TestSupport;

/// <summary>
/// GStreamer's RTSP server (Rtsp/serve.py, run by the system python3 with python3-gi) serving a live H.264 test
/// pattern at <see cref="Url"/> on loopback, over TCP, UDP or both. Killed and restarted by its PID on the same
/// port, for reconnect tests. Needs the Debian packages build.sh installs for the tests
/// (gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-*, python3-gi).
/// </summary>
public sealed class RtspServer : IDisposable
{
    private readonly string _transport;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private RtspServer(string transport)
    {
        _transport = transport;
        Port = FreePort.Next();
    }

    public int Port { get; }

    /// <summary>The stream: <c>rtsp://127.0.0.1:PORT/x</c>.</summary>
    public string Url => $"rtsp://127.0.0.1:{Port}/x";

    /// <summary>What the server wrote so far (for assertion messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    /// <summary>Starts a server offering <paramref name="transport"/> (<c>tcp</c>, <c>udp</c> or <c>any</c>); returns
    /// once it accepts connections.</summary>
    public static async Task<RtspServer> StartAsync(string transport = "any")
    {
        var server = new RtspServer(transport);
        await server.RestartAsync();
        return server;
    }

    /// <summary>Starts the server again on the same port (after <see cref="Kill"/>).</summary>
    public async Task RestartAsync()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("the RTSP server is already running");
        var script = Path.Combine(RepoPaths.Root, "tests", "MFuser.TestSupport", "Rtsp", "serve.py");
        var psi = new ProcessStartInfo("/usr/bin/python3", [script, Port.ToString(), _transport])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("python3 did not start");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (!await FreePort.WaitListeningAsync(Port, TimeSpan.FromSeconds(60)))
        {
            Kill();
            throw new InvalidOperationException($"the RTSP server did not listen on 127.0.0.1:{Port} within 60 s " +
                                                $"(apt: gir1.2-gst-rtsp-server-1.0, python3-gi). Its output:\n{Log}");
        }
    }

    /// <summary>Abrupt stop (SIGKILL, by PID): clients see their connection drop.</summary>
    public void Kill()
    {
        var process = _process;
        if (process is null)
            return;
        if (!process.HasExited)
            process.Kill();
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    public void Dispose() => Kill();

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }
}
