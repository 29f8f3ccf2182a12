using System.Net.Sockets;
using System.Text;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests;

/// <summary>The daemon's sd_notify conversation, received on a real unix datagram socket as systemd would
/// (NOTIFY_SOCKET, WATCHDOG_USEC): more time asked for during start-up, READY=1 exactly once after warm-up, watchdog
/// pets while frames flow, STOPPING=1 at the end.</summary>
public sealed class SystemdNotifyTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Ready_is_sent_once_after_warm_up_and_the_watchdog_is_petted_while_frames_flow()
    {
        var path = _dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        var messages = new List<string>();
        using var stop = new CancellationTokenSource();
        var receiver = Task.Run(async () =>
        {
            var buffer = new byte[4096];
            try
            {
                while (true)
                {
                    var n = await socket.ReceiveAsync(buffer, SocketFlags.None, stop.Token);
                    lock (messages)
                        messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
                }
            }
            catch (OperationCanceledException)
            {
            }
        });

        await using var broker = await MosquittoBroker.StartAsync();
        var edge = await EdgeProcess.RunAsync(
            ["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=3&fps=15&size=320x192",
                "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "sd1", "--max-frames", "25"],
            new Dictionary<string, string>
            {
                ["NOTIFY_SOCKET"] = path, ["WATCHDOG_USEC"] = "300000", ["MFUSER_INFERENCE_PROVIDERS"] = "cpu",
                ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("none.json"),
            });
        Assert.True(edge.ExitCode == 0, edge.ToString());
        await Task.Delay(200);
        stop.Cancel();
        await receiver;

        var seen = messages.ToList();
        var ready = seen.FindIndex(m => m.StartsWith("READY=1", StringComparison.Ordinal));
        Assert.True(ready > 0, string.Join(" | ", seen));
        Assert.Single(seen, m => m.Contains("READY=1"));
        Assert.Contains(seen[..ready], m => m.StartsWith("EXTEND_TIMEOUT_USEC=", StringComparison.Ordinal) && m.Contains("warming up"));
        Assert.DoesNotContain(seen[..ready], m => m == "WATCHDOG=1");
        Assert.Contains(seen[ready..], m => m == "WATCHDOG=1");
        Assert.StartsWith("STOPPING=1", seen.Last(m => !m.StartsWith("WATCHDOG", StringComparison.Ordinal)));
    }

    public void Dispose() => _dir.Dispose();
}
