using System.Text.Json;
using System.Text.RegularExpressions;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging.Spool;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Shutdown;

/// <summary>SIGTERM with must-deliver domain-shift events pending, on the built daemon (docs/mqtt-api.md, clean stop):
/// the link drains within <c>shutdown.drain_s</c>, publishes <c>available = stopped</c>, disconnects without the Last
/// Will and the process exits 0; with the broker away the spool keeps the events, or the loss is logged.</summary>
public sealed partial class ShutdownDrainTests : IDisposable
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(45);
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A drive that opens an episode after the 4 s clear stretch and stays in the fog until stopped.</summary>
    private static string[] Run(int port, string device, long maxFrames = 0) =>
    [
        "run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=7&fps=15&schedule=clear:4,fog:60&size=320x192",
        "--broker", $"mqtt://127.0.0.1:{port}", "--device-id", device, "--max-frames", maxFrames.ToString(),
    ];

    private Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["MFUSER_INFERENCE_PROVIDERS"] = "cpu",
            ["MFUSER_DOMAIN_SHIFT_WARMUP_S"] = "2.5",
            ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("no-such-reference.json"),
            ["MFUSER_SHUTDOWN_DRAIN_S"] = "5",
        };
        foreach (var (k, v) in extra)
            env[k] = v;
        return env;
    }

    [Fact]
    public async Task Sigterm_with_the_broker_up_delivers_the_pending_events_then_stopped_without_the_will_and_exits_0()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/sd1/#");
        using var edge = EdgeProcess.Start(Run(broker.Port, "sd1"), Env());
        await probe.WaitForAsync(m => m.Topic == "mfuser/sd1/domain_shift" && m.Text.Contains("\"new\""), Wait);

        await edge.TerminateAsync(Wait);
        Assert.True(edge.ExitCode == 0, edge.ToString());
        // The episode's closing event is made during the stop: it was pending when the drain began.
        var last = await probe.WaitForAsync(m => m.Topic == "mfuser/sd1/domain_shift" && m.Text.Contains("\"shutdown\""), TimeSpan.FromSeconds(5));
        Assert.Equal(1, (int)last.Qos);
        var events = probe.On("mfuser/sd1/domain_shift").Select(m =>
            JsonDocument.Parse(m.Payload).RootElement.GetProperty("event").GetString()).ToList();
        Assert.Equal("new", events[0]);
        Assert.Equal("end", events[^1]);
        Assert.Equal([Availability.Online, Availability.Stopped], probe.On("mfuser/sd1/available").Select(m => m.Text).Distinct());
        await using (var late = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/sd1/available"))
        {
            var retained = await late.WaitForAsync(m => true, TimeSpan.FromSeconds(5));
            Assert.Equal((Availability.Stopped, true), (retained.Text, retained.Retain));
        }
        Assert.Contains("= stopped and disconnected", edge.Stdout);
        await Task.Delay(TimeSpan.FromSeconds(1)); // a Last Will would follow the closed connection at once
        Assert.DoesNotContain(probe.On("mfuser/sd1/available"), m => m.Text == Availability.Offline);
    }

    [Fact]
    public async Task Sigterm_with_the_broker_away_and_no_spool_logs_how_many_events_were_lost_and_exits_0()
    {
        using var edge = EdgeProcess.Start(Run(FreePort.Next(), "sd2"), Env());
        await edge.WaitForOutputAsync("\"Kind\":\"new\"", Wait);

        await edge.TerminateAsync(Wait);
        Assert.True(edge.ExitCode == 0, edge.ToString());
        var lost = LostLine().Match(edge.Stdout);
        Assert.True(lost.Success, edge.ToString());
        Assert.True(int.Parse(lost.Groups[1].Value) >= 2, "the episode's new and end events at least: " + lost.Value);
        Assert.Single(LostLine().Matches(edge.Stdout));
    }

    [Fact]
    public async Task Sigterm_with_the_broker_away_keeps_the_events_in_the_spool_and_they_arrive_after_the_restart()
    {
        var port = FreePort.Next();
        var spool = _dir.File("spool");
        int kept;
        using (var first = EdgeProcess.Start(Run(port, "sd3"), Env(("MFUSER_SPOOL_DIR", spool))))
        {
            await first.WaitForOutputAsync("\"Kind\":\"new\"", Wait);
            await first.TerminateAsync(Wait);
            Assert.True(first.ExitCode == 0, first.ToString());
            var line = KeptLine().Match(first.Stdout);
            Assert.True(line.Success, first.ToString());
            kept = int.Parse(line.Groups[1].Value);
            Assert.DoesNotContain("must-deliver messages lost", first.Stdout);
        }
        using (var store = new DiskSpool(new DiskSpoolOptions { Directory = spool }))
            Assert.Equal(kept, store.Count);

        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/sd3/domain_shift");
        using (var second = EdgeProcess.Start(Run(port, "sd3", maxFrames: 5),
            Env(("MFUSER_SPOOL_DIR", spool), ("MFUSER_DOMAIN_SHIFT_ENABLED", "false"))))
        {
            await second.WaitAsync(Wait);
            Assert.True(second.ExitCode == 0, second.ToString());
        }
        var delivered = probe.On("mfuser/sd3/domain_shift").Select(m => JsonDocument.Parse(m.Payload).RootElement).ToList();
        Assert.Equal(kept, delivered.Count);
        Assert.Equal("shutdown", delivered[^1].GetProperty("end_reason").GetString());
    }

    [Fact]
    public async Task Sigterm_during_a_frozen_network_path_waits_out_the_drain_budget_then_exits_0_and_logs_the_loss()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/sd4/domain_shift");
        using var edge = EdgeProcess.Start(Run(proxy.Port, "sd4"), Env());
        await probe.WaitForAsync(m => m.Text.Contains("\"new\""), Wait);

        proxy.Blackhole(); // the link still looks connected: the drain waits its whole budget, then the clean disconnect times out
        await edge.TerminateAsync(Wait);
        Assert.True(edge.ExitCode == 0, edge.ToString());
        Assert.True(LostLine().Match(edge.Stdout) is { Success: true } lost && int.Parse(lost.Groups[1].Value) >= 1, edge.ToString());
        Assert.Contains("clean shutdown failed", edge.Stdout);
    }

    [GeneratedRegex(@"(\d+) must-deliver messages lost: no spool\.dir")]
    private static partial Regex LostLine();

    [GeneratedRegex(@"(\d+) must-deliver messages kept in the spool for the next start")]
    private static partial Regex KeptLine();
}
