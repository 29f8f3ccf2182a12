using System.Text.Json;
using MFuser.TestSupport;

namespace MFuser.Edge.Client.Tests.Docs;

/// <summary>The code blocks of docs/client.md and docs/ros2.md are the compiled examples of this folder, and both run
/// against the built daemon and a real mosquitto.</summary>
public sealed class DocExampleTests
{
    [Theory]
    [InlineData("client.md", "ClientExample.cs")]
    [InlineData("ros2.md", "RosBridgeExample.cs")]
    public void The_page_shows_the_compiled_example(string page, string source)
    {
        var code = Between(File.ReadAllLines(Path.Combine(RepoPaths.Root, "tests", "MFuser.Edge.Client.Tests", "Docs", source)),
            l => l.Trim() == "// docs-example-begin", l => l.Trim() == "// docs-example-end");
        var indent = code.Where(l => l.Trim().Length > 0).Min(l => l.Length - l.TrimStart().Length);
        var expected = code.Select(l => l.Length >= indent ? l[indent..] : l.Trim()).ToList();
        var doc = File.ReadAllLines(Path.Combine(RepoPaths.Root, "docs", page));
        var shown = Between(doc[Array.FindIndex(doc, l => l.Contains($"<!-- example: {source} -->"))..], l => l == "```csharp", l => l == "```");
        Assert.Equal(expected, shown);
    }

    [Fact]
    public async Task Both_examples_follow_a_calibrated_daemon()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/truck-07/ros/#");
        using var stop = new CancellationTokenSource();
        var text = new StringWriter();
        var console = TextWriter.Synchronized(text); // locks on itself, so reading under the same lock is safe
        string Output()
        {
            lock (console)
                return text.ToString();
        }

        var client = ClientExample.RunAsync(console, broker.Port, stop.Token);
        var bridge = RosBridgeExample.RunAsync(broker.Host, broker.Port, "truck-07", stop.Token);
        using (var edge = EdgeProcess.Start(
                   ["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=7&fps=15&size=320x192",
                    "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "truck-07", "--max-frames", "40"],
                   new Dictionary<string, string>
                   {
                       ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_ANALYSIS_CALIBRATION"] = "calibration/example-1280x720.yaml",
                       ["MFUSER_PUBLISH_SEGMENTATION_HZ"] = "5", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.5",
                   }))
        {
            await edge.WaitAsync(TimeSpan.FromSeconds(90));
            Assert.True(edge.ExitCode == 0, edge.ToString());
        }
        var scan = await JsonOn(probe, "mfuser/truck-07/ros/scan");
        var labels = await JsonOn(probe, "mfuser/truck-07/ros/labels");
        await Until(() => Output().Contains("truck-07 is Stopped"), Output);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => bridge);

        Assert.Equal(32, scan.GetProperty("ranges").GetArrayLength());
        Assert.Equal("mfuser_ground", scan.GetProperty("header").GetProperty("frame_id").GetString());
        Assert.Equal((192, 320, "mono8"), (labels.GetProperty("height").GetInt32(), labels.GetProperty("width").GetInt32(),
            labels.GetProperty("encoding").GetString()));
        Assert.Equal(192 * 320, labels.GetProperty("data").GetArrayLength());
        var output = Output();
        string[] printed = ["truck-07 is Online", "model ", "% drivable, corridor", "nearest obstacle", "road pixels of 61440", "fps, inference p50"];
        foreach (var line in printed)
            Assert.Contains(line, output);
        Assert.DoesNotContain("ignored a bad message", output);
    }

    private static async Task Until(Func<bool> condition, Func<string> output)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the example did not print what was expected:\n" + output());
            await Task.Delay(50);
        }
    }

    private static async Task<JsonElement> JsonOn(MqttProbe probe, string topic) =>
        JsonDocument.Parse((await probe.WaitForAsync(m => m.Topic == topic, TimeSpan.FromSeconds(10))).Payload).RootElement;

    private static List<string> Between(IEnumerable<string> lines, Func<string, bool> begin, Func<string, bool> end) =>
        lines.SkipWhile(l => !begin(l)).Skip(1).TakeWhile(l => !end(l)).ToList();
}
