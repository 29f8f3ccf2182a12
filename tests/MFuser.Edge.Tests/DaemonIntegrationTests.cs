using System.Text.Json;
using System.Text.RegularExpressions;
using MFuser.Edge.Inference;
using MFuser.TestSupport;
using OpenCvSharp;

namespace MFuser.Edge.Tests;

/// <summary>The built mfuser-edge executable against a real mosquitto, on real video files.</summary>
public sealed class DaemonIntegrationTests : IDisposable
{
    private const int Frames = 30;
    private readonly TempDir _dir = new();
    private readonly ColourRuleModel _model = ColourRuleModel.Default;

    private string[] Args(string source, int port, string device, int maxFrames) =>
    [
        "run", "--model", RepoPaths.FixturePackage, "--source", source, "--broker", $"mqtt://127.0.0.1:{port}",
        "--max-frames", maxFrames.ToString(), "--device-id", device,
    ];

    [Fact]
    public async Task Max_frames_run_publishes_drivable_segmentation_info_and_availability()
    {
        var video = TestVideo.Write(_dir.File("street.mkv"), 40, _model.Width, _model.Height);
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/it1/#");
        // Every frame gets a segmentation map, so each one can be checked against the colour rule.
        var run = System.Diagnostics.Stopwatch.StartNew();
        using var edge = EdgeProcess.Start(Args($"file://{video}", broker.Port, "it1", Frames),
            new Dictionary<string, string>
            {
                ["MFUSER_PUBLISH_SEGMENTATION_HZ"] = "60", ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_MAX_FPS"] = "20",
                ["MFUSER_PUBLISH_OVERLAY_HZ"] = "2", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.5",
            });

        await probe.WaitForAsync(m => m.Topic == "mfuser/it1/drivable", TimeSpan.FromSeconds(30));
        await using (var late = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/it1/available"))
        {
            var online = await late.WaitForAsync(m => true, TimeSpan.FromSeconds(5));
            Assert.Equal(("online", true), (online.Text, online.Retain));
        }
        await edge.WaitAsync(TimeSpan.FromSeconds(60));
        var runSeconds = run.Elapsed.TotalSeconds;
        Assert.True(edge.ExitCode == 0, edge.ToString());

        await probe.WaitForAsync("mfuser/it1/available", "stopped", TimeSpan.FromSeconds(5));
        var drivable = probe.On("mfuser/it1/drivable");
        // The stage thread never holds up inference: a frame it had no time for is skipped and counted in the summary.
        var skipped = int.Parse(Regex.Match(edge.Stdout, @"(\d+) skipped by the stages").Groups[1].Value);
        Assert.Equal(Frames - skipped, drivable.Count);
        var ids = drivable.Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("frame").GetInt64()).ToList();
        Assert.Equal(ids.Order().Distinct(), ids);
        foreach (var m in drivable)
        {
            var root = JsonDocument.Parse(m.Payload).RootElement;
            var fraction = root.GetProperty("drivable_fraction").GetDouble();
            // Road covers the lower half of every frame (minus the car): the colour rule must find exactly that.
            var expected = _model.LabelsOf(TestVideo.Frame((int)(root.GetProperty("frame").GetInt64() % 40), _model.Width,
                _model.Height)).Count(l => l == 0)
                / (double)(_model.Width * _model.Height);
            Assert.Equal(expected, fraction, 4); // the payload carries 4 decimals
            Assert.True(DateTimeOffset.TryParse(root.GetProperty("captured_at").GetString(), out _));
            Assert.Equal(32, root.GetProperty("free_space").GetProperty("bins").GetInt32());
        }

        var maps = probe.On("mfuser/it1/segmentation");
        Assert.NotEmpty(maps);
        foreach (var map in maps)
        {
            Assert.Equal("image/png", map.ContentType);
            var frame = long.Parse(map.UserProperties["frame"]);
            using var png = Cv2.ImDecode(map.Payload, ImreadModes.Unchanged);
            Assert.Equal((MatType.CV_8UC1, _model.Width, _model.Height), (png.Type(), png.Width, png.Height));
            png.GetArray(out byte[] labels);
            Assert.Equal(_model.LabelsOf(TestVideo.Frame((int)(frame % 40), _model.Width, _model.Height)), labels);
        }

        var overlay = probe.On("mfuser/it1/overlay");
        Assert.NotEmpty(overlay);
        // Bounded by the process's whole life, not by arrival times: a loaded broker or client delivers in bunches.
        Assert.True(overlay.Count <= 2 * runSeconds + 1, $"overlay is rate-limited to 2 Hz: {overlay.Count} images in {runSeconds:F1} s");
        Assert.True(overlay.Count < drivable.Count, $"{overlay.Count} overlays for {drivable.Count} frames: the 2 Hz gate let all through");
        Assert.Equal("image/jpeg", overlay[0].ContentType);
        using (var jpeg = Cv2.ImDecode(overlay[0].Payload, ImreadModes.Color))
            Assert.Equal((_model.Width, _model.Height), (jpeg.Width, jpeg.Height));

        var stats = JsonDocument.Parse(probe.On("mfuser/it1/stats").Last().Payload).RootElement;
        Assert.True(stats.GetProperty("frames_processed").GetInt64() > 0);
        foreach (var stage in new[] { "preprocess", "inference", "analysis", "publish", "capture_to_publish" })
            Assert.True(stats.GetProperty("latency_ms").GetProperty(stage).GetProperty("p50").GetDouble() >= 0, stage);

        await using var after = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/it1/#");
        var stopped = await after.WaitForAsync(m => m.Topic == "mfuser/it1/available", TimeSpan.FromSeconds(5));
        Assert.Equal(("stopped", true), (stopped.Text, stopped.Retain));
        var info = JsonDocument.Parse((await after.WaitForAsync(m => m.Topic == "mfuser/it1/info", TimeSpan.FromSeconds(5))).Payload).RootElement;
        var manifest = PackageDirectory.Load(RepoPaths.FixturePackage).Manifest;
        Assert.Equal(manifest.Name, info.GetProperty("model").GetProperty("name").GetString());
        Assert.Equal(manifest.Sha256, info.GetProperty("model").GetProperty("sha256").GetString());
        Assert.Equal(manifest.Classes.Count, info.GetProperty("classes").GetArrayLength());
        Assert.Equal("cpu", info.GetProperty("execution").GetProperty("provider").GetString());
        Assert.Equal(_model.Width, info.GetProperty("input").GetProperty("width").GetInt32());
    }

    [Fact]
    public async Task Broker_down_at_start_then_started_gets_the_frames()
    {
        var port = FreePort.Next();
        var video = TestVideo.Write(_dir.File("loop.mkv"), 10, _model.Width, _model.Height);
        using var edge = EdgeProcess.Start(Args($"file://{video}", port, "it2", 400),
            new Dictionary<string, string> { ["MFUSER_SOURCE_LOOP"] = "true", ["MFUSER_SOURCE_MAX_FPS"] = "20",
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" });
        // The daemon gives up waiting for the broker and processes frames (dropping their messages) meanwhile.
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!edge.Stdout.Contains("not reachable yet; processing frames anyway") && !edge.HasExited && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(edge.HasExited, "the daemon must keep running while the broker is down");
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/it2/#");
        var first = await probe.WaitForAsync(m => m.Topic == "mfuser/it2/drivable", TimeSpan.FromSeconds(30));
        Assert.True(JsonDocument.Parse(first.Payload).RootElement.GetProperty("frame").GetInt64() > 0,
            "frames captured while the broker was down must not have waited for it");
        var online = await probe.WaitForAsync(m => m.Topic == "mfuser/it2/available", TimeSpan.FromSeconds(5));
        Assert.Equal("online", online.Text);
    }

    public void Dispose() => _dir.Dispose();
}
