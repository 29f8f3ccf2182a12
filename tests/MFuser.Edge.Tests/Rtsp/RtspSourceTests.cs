using System.Diagnostics;
using System.Text.Json;
using MFuser.TestSupport;
using Xunit.Abstractions;

namespace MFuser.Edge.Tests.Rtsp;

/// <summary>The built daemon pulls a live H.264 stream from GStreamer's RTSP server on loopback (docs/rtsp.md); the
/// server is killed and restarted on the same port, and the frames resume with the outage logged once.</summary>
public sealed class RtspSourceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    public async Task Rtsp_resumes_after_the_server_restarts_and_the_outage_is_logged_once(string transport)
    {
        using var server = await RtspServer.StartAsync(transport);
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/rt1/drivable");
        using var edge = EdgeProcess.Start(
            ["run", "--model", RepoPaths.FixturePackage, "--source", server.Url, "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "rt1"],
            new Dictionary<string, string>
            {
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_REOPEN_INITIAL_MS"] = "200", ["MFUSER_SOURCE_REOPEN_MAX_MS"] = "1000",
                ["MFUSER_SOURCE_RTSP_TRANSPORT"] = transport,
            });

        var first = await probe.WaitForAsync(m => true, TimeSpan.FromSeconds(60));
        await probe.WaitForAsync(m => Frame(m) >= Frame(first) + 10, TimeSpan.FromSeconds(30));
        var root = JsonDocument.Parse(first.Payload).RootElement;
        Assert.Equal((320, 192), (root.GetProperty("width").GetInt32(), root.GetProperty("height").GetInt32()));

        server.Kill();
        await edge.WaitForOutputAsync(IsOutage(server.Url), "the outage warning", TimeSpan.FromSeconds(30));
        var lastBefore = probe.Messages.Max(Frame);
        await Task.Delay(TimeSpan.FromSeconds(3)); // several reopen attempts meet a closed port
        var restarting = Stopwatch.StartNew();
        await server.RestartAsync();
        var listening = restarting.Elapsed;
        var resumed = await probe.WaitForAsync(m => Frame(m) > lastBefore, TimeSpan.FromSeconds(60));
        var reconnect = restarting.Elapsed - listening;
        await probe.WaitForAsync(m => Frame(m) > Frame(resumed) + 10, TimeSpan.FromSeconds(30));
        await edge.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.Contains("available = stopped and disconnected", edge.Stdout);

        var outageLines = edge.Stdout.Split('\n').Where(IsOutage(server.Url)).ToList();
        Assert.True(outageLines.Count == 1, $"the outage must be logged once:\n{string.Join("\n", outageLines)}\n{edge}");
        Assert.Single(edge.Stdout.Split('\n'), l => l.Contains($"source {server.Url} is back after"));
        var frames = probe.Messages.Select(Frame).ToList();
        Assert.Equal(frames.Order().Distinct(), frames);
        output.WriteLine($"{transport}: server listening again {listening.TotalSeconds:F2} s after the restart began; first frame after it " +
                         $"{reconnect.TotalSeconds:F2} s later (reopen back-off 200 ms doubling to 1 s)");
        output.WriteLine(string.Join("\n", edge.Stdout.Split('\n').Where(l => l.Contains(server.Url))));
    }

    private static Func<string, bool> IsOutage(string url) =>
        line => line.Contains($"source {url}") && (line.Contains("unavailable") || line.Contains("ended"));

    private static long Frame(ReceivedMessage m) => JsonDocument.Parse(m.Payload).RootElement.GetProperty("frame").GetInt64();
}
