using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;

namespace MFuser.Bench.Pipeline;

/// <summary>A mosquitto broker on a free loopback port for the daemon under measurement, as in a deployment: the
/// broker's own work then runs outside the daemon's process (with <c>--broker embedded</c> MQTTnet's broker decodes
/// every message inside it and its allocation counts as the daemon's). Stopped by its PID on dispose.</summary>
public sealed class ExternalBroker : IDisposable
{
    private readonly Process _process;

    private ExternalBroker(Process process, int port) => (_process, Url) = (process, $"mqtt://127.0.0.1:{port}");

    /// <summary>The daemon's <c>--broker</c> value.</summary>
    public string Url { get; }

    /// <summary>Starts mosquitto and waits until it accepts connections; null when mosquitto is not installed.</summary>
    public static ExternalBroker? TryStart()
    {
        var port = DaemonRun.FreePort();
        Process? process;
        try
        {
            process = Process.Start(new ProcessStartInfo("mosquitto", ["-p", port.ToString(CultureInfo.InvariantCulture)])
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            });
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
        if (process is null) return null;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(10))
        {
            if (process.HasExited)
                throw new InvalidOperationException($"mosquitto -p {port} exited at once (code {process.ExitCode})");
            try
            {
                using var probe = new TcpClient();
                probe.Connect("127.0.0.1", port);
                return new ExternalBroker(process, port);
            }
            catch (SocketException)
            {
                Thread.Sleep(100);
            }
        }
        process.Kill();
        throw new InvalidOperationException($"mosquitto -p {port} did not accept connections within 10 s");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill();
        _process.WaitForExit();
        _process.Dispose();
    }
}
