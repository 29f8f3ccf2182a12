using System.Diagnostics;

namespace MFuser.Edge.Tests.Fixtures;

/// <summary>A real pseudo-terminal pair made by socat (<c>socat pty,raw,echo=0,link=DEV pty,raw,echo=0,link=PEER</c>):
/// the daemon opens <see cref="Device"/> as its serial port, the test plays the GPS receiver or the MCU on
/// <see cref="Peer"/>. Stopped by its PID.</summary>
public sealed class PtyPair : IDisposable
{
    private readonly Process _process;
    private bool _disposed;

    public PtyPair(string directory, string name)
    {
        Device = Path.Combine(directory, name);
        Peer = Path.Combine(directory, name + "-peer");
        var psi = new ProcessStartInfo("socat") { UseShellExecute = false, RedirectStandardError = true };
        foreach (var arg in new[] { $"pty,raw,echo=0,link={Device}", $"pty,raw,echo=0,link={Peer}" })
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        var waited = Stopwatch.StartNew();
        while (!(File.Exists(Device) && File.Exists(Peer)))
        {
            if (_process.HasExited || waited.Elapsed > TimeSpan.FromSeconds(10))
                throw new InvalidOperationException($"socat did not create {Device} and {Peer}");
            Thread.Sleep(20);
        }
    }

    /// <summary>The end the daemon opens.</summary>
    public string Device { get; }

    /// <summary>The end the test reads and writes.</summary>
    public string Peer { get; }

    public FileStream OpenPeer() => new(Peer, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);

    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
        {
            Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();
            if (!_process.WaitForExit(5000))
                _process.Kill();
        }
        _process.Dispose();
    }
}
