using System.Collections.Concurrent;
using System.Diagnostics;

namespace MFuser.TestSupport;

/// <summary>A real pseudo-terminal pair made by socat (<c>socat pty,raw,echo=0,link=DEV pty,raw,echo=0,link=PEER</c>):
/// what is written to one end is read at the other, like a null-modem cable. The code under test opens
/// <see cref="Device"/> as its serial port; the test plays the GPS receiver or the MCU on <see cref="Peer"/>. The links
/// live in a temporary folder of their own, removed on dispose; socat is stopped by its PID.</summary>
public sealed class PtyPair : IDisposable
{
    private static readonly TimeSpan LinkTimeout = TimeSpan.FromSeconds(10);
    private readonly string _directory;
    private readonly ConcurrentQueue<string> _socatErrors = new();
    private Process? _process;

    /// <summary>Starts socat and waits until both links exist.</summary>
    /// <param name="name">File name of the device link (the peer link is <c>NAME-peer</c>).</param>
    public PtyPair(string name = "tty")
    {
        _directory = Path.Combine(Path.GetTempPath(), "mfuser-pty-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(_directory);
        Device = Path.Combine(_directory, name);
        Peer = Path.Combine(_directory, name + "-peer");
        Restart();
    }

    /// <summary>The end the code under test opens.</summary>
    public string Device { get; }

    /// <summary>The end the test reads and writes.</summary>
    public string Peer { get; }

    /// <summary>Starts socat (again) with the same link names and waits until both links exist.</summary>
    public void Restart()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("socat is still running");
        _process?.Dispose();
        var psi = new ProcessStartInfo("socat") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { $"pty,raw,echo=0,link={Device}", $"pty,raw,echo=0,link={Peer}" })
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start");
        _process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
                _socatErrors.Enqueue(line);
        };
        _process.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (!(File.Exists(Device) && File.Exists(Peer)))
        {
            if (_process.HasExited || waited.Elapsed > LinkTimeout)
                throw new InvalidOperationException(
                    $"socat did not create {Device} and {Peer} within {LinkTimeout.TotalSeconds} s " +
                    $"({(_process.HasExited ? $"exit code {_process.ExitCode}" : "still running")}): {string.Join(" | ", _socatErrors)}");
            Thread.Sleep(20);
        }
    }

    /// <summary>Stops socat by its PID (SIGTERM, so it removes its links) and waits until both ends have vanished.</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false } p)
            return;
        Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
        if (!p.WaitForExit(5000))
            p.Kill();
        var waited = Stopwatch.StartNew();
        while ((File.Exists(Device) || File.Exists(Peer)) && waited.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(20);
    }

    /// <summary>Opens the peer end for reading and writing (unbuffered).</summary>
    public FileStream OpenPeer() => new(Peer, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        _process = null;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }
}
