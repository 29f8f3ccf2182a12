using System.Diagnostics;

namespace MFuser.Edge.Serial.Tests;

/// <summary>A real pseudo-terminal pair made by socat (<c>socat -d -d pty,raw,echo=0,link=A pty,raw,echo=0,link=B</c>):
/// what is written to one end is read at the other, like a null-modem cable. Stopped by its PID.</summary>
internal sealed class SocatPair : IDisposable
{
    private Process? _process;

    private SocatPair(string directory)
    {
        Directory = directory;
        A = Path.Combine(directory, "a");
        B = Path.Combine(directory, "b");
    }

    public string Directory { get; }

    /// <summary>The device end (the code under test opens this one).</summary>
    public string A { get; }

    /// <summary>The peer end (the test's GPS receiver or MCU).</summary>
    public string B { get; }

    public static SocatPair Start()
    {
        var dir = Path.Combine(Path.GetTempPath(), "mfuser-socat-" + Guid.NewGuid().ToString("N")[..8]);
        System.IO.Directory.CreateDirectory(dir);
        var pair = new SocatPair(dir);
        pair.Restart();
        return pair;
    }

    /// <summary>Starts socat (again) with the same link names and waits until both links exist.</summary>
    public void Restart()
    {
        if (_process is { HasExited: false })
            throw new InvalidOperationException("socat is still running");
        var psi = new ProcessStartInfo("socat")
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var arg in new[] { "-d", "-d", $"pty,raw,echo=0,link={A}", $"pty,raw,echo=0,link={B}" })
            psi.ArgumentList.Add(arg);
        _process = Process.Start(psi) ?? throw new InvalidOperationException("socat did not start");
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginErrorReadLine();
        _process.BeginOutputReadLine();
        var deadline = Stopwatch.StartNew();
        while (!(File.Exists(A) && File.Exists(B)))
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"socat exited with {_process.ExitCode}");
            if (deadline.Elapsed > TimeSpan.FromSeconds(10))
                throw new TimeoutException("socat links did not appear within 10 s");
            Thread.Sleep(20);
        }
    }

    /// <summary>Stops socat by its PID (SIGTERM, so it removes its links): both ends vanish.</summary>
    public void Stop()
    {
        if (_process is not { HasExited: false } p)
            return;
        Process.Start("kill", ["-TERM", p.Id.ToString()])!.WaitForExit();
        if (!p.WaitForExit(5000))
            p.Kill();
        var deadline = Stopwatch.StartNew();
        while ((File.Exists(A) || File.Exists(B)) && deadline.Elapsed < TimeSpan.FromSeconds(5))
            Thread.Sleep(20);
    }

    /// <summary>Opens the peer end for reading and writing.</summary>
    public FileStream OpenPeer() => new(B, FileMode.Open, FileAccess.ReadWrite, FileShare.ReadWrite, 1, FileOptions.None);

    public void Dispose()
    {
        Stop();
        _process?.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
