using System.Net;
using System.Net.Sockets;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests;

/// <summary>The ffmpeg child the running daemon starts for a network stream: its probe bound comes from
/// <c>source.probe_ms</c> and its environment holds no <c>MFUSER_*</c> variable (docs/configuration.md).</summary>
public sealed class FfmpegChildTests
{
    [Fact]
    public void The_daemon_starts_ffmpeg_with_the_configured_probe_and_without_its_secrets()
    {
        const string secret = "do-not-leak-0xBADC0DE";
        // A listener that never accepts: the kernel completes the connection and ffmpeg waits for an answer that never
        // comes, so its process stays up long enough to be inspected.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var env = new Dictionary<string, string>
        {
            ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_STREAM_BACKEND"] = "ffmpeg", ["MFUSER_SOURCE_PROBE_MS"] = "321",
            ["MFUSER_BROKER_PASSWORD"] = secret,
        };
        using var daemon = EdgeProcess.Start(
            ["run", "--model", RepoPaths.FixturePackage, "--source", $"http://127.0.0.1:{port}/live.ts", "--broker", "mqtt://127.0.0.1:1"], env);
        try
        {
            (string[] Args, string Environ)? child = null;
            Wait.Until(() => daemon.HasExited || (child = FfmpegChildOf(daemon.Id)) is not null, () => $"an ffmpeg child; {daemon}",
                TimeSpan.FromMinutes(2));
            Assert.False(daemon.HasExited, daemon.ToString());
            var (args, environ) = child!.Value;
            Assert.Equal("321000", args[Array.IndexOf(args, "-analyzeduration") + 1]);
            Assert.Equal("nobuffer", args[Array.IndexOf(args, "-fflags") + 1]);
            Assert.DoesNotContain(secret, environ);
            Assert.DoesNotContain("MFUSER_", environ);
        }
        finally
        {
            daemon.Kill();
        }
    }

    /// <summary>Command line and environment of an ffmpeg process whose parent is <paramref name="parent"/>, or null.</summary>
    private static (string[] Args, string Environ)? FfmpegChildOf(int parent)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out _))
                continue;
            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so split after the last ')'.
                var stat = File.ReadAllText(Path.Combine(dir, "stat"));
                var close = stat.LastIndexOf(')');
                var comm = stat[(stat.IndexOf('(') + 1)..close];
                var ppid = int.Parse(stat[(close + 2)..].Split(' ')[1]);
                if (ppid == parent && comm == "ffmpeg")
                    return (File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0'), File.ReadAllText(Path.Combine(dir, "environ")));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // the process ended meanwhile
            }
        }
        return null;
    }
}
