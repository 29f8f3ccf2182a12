using System.Diagnostics;

namespace MFuser.TestSupport;

/// <summary>Named pipes for the tests of inputs that must be refused rather than read: opening a FIFO for reading
/// waits for a writer forever, so a start-up that reads one hangs.</summary>
public static class Fifo
{
    /// <summary>Creates a FIFO at <paramref name="path"/> with coreutils' mkfifo.</summary>
    public static string Create(string path)
    {
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { RedirectStandardError = true })
                           ?? throw new InvalidOperationException("mkfifo did not start");
        var error = mkfifo.StandardError.ReadToEnd();
        mkfifo.WaitForExit();
        if (mkfifo.ExitCode != 0)
            throw new InvalidOperationException($"mkfifo {path} failed: {error}");
        return path;
    }
}
