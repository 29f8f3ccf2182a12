using System.Collections.Concurrent;
using MFuser.Edge.Client.Images;
using MFuser.Edge.Client.Payloads;
using MFuser.Edge.Client.Ros;
using MFuser.TestSupport;
using MQTTnet;

namespace MFuser.Edge.Client.Tests;

/// <summary>The client against the built daemon and a real mosquitto.</summary>
public sealed class EdgeClientTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ColourRuleModel _model = ColourRuleModel.Default;

    /// <summary>Everything one client delivered, in arrival order.</summary>
    private sealed class Received
    {
        public readonly ConcurrentQueue<Drivable> Drivable = new();
        public readonly ConcurrentQueue<SegmentationMap> Maps = new();
        public readonly ConcurrentQueue<DomainShiftEvent> Episodes = new();
        public readonly ConcurrentQueue<DeviceStats> Stats = new();
        public readonly ConcurrentQueue<DeviceAvailability> Availability = new();
        public readonly ConcurrentQueue<RejectedMessage> Rejected = new();

        public EdgeClient Attach(EdgeClient client)
        {
            client.DrivableReceived += Drivable.Enqueue;
            client.SegmentationReceived += Maps.Enqueue;
            client.DomainShiftReceived += Episodes.Enqueue;
            client.StatsReceived += Stats.Enqueue;
            client.AvailabilityChanged += Availability.Enqueue;
            client.MessageRejected += Rejected.Enqueue;
            return client;
        }
    }

    [Fact]
    public async Task Follows_a_device_through_hostile_messages_and_a_broker_restart_to_its_clean_stop()
    {
        var video = TestVideo.Write(_dir.File("street.mkv"), 40, _model.Width, _model.Height);
        await using var broker = await MosquittoBroker.StartAsync();
        var got = new Received();
        await using var client = got.Attach(new EdgeClient(new EdgeClientOptions { Port = broker.Port, DeviceId = "cl1" }));
        await client.ConnectAsync();
        using var edge = EdgeProcess.Start(
            ["run", "--model", RepoPaths.FixturePackage, "--source", $"file://{video}", "--broker", $"mqtt://127.0.0.1:{broker.Port}",
             "--device-id", "cl1"],
            new Dictionary<string, string>
            {
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_LOOP"] = "true", ["MFUSER_SOURCE_MAX_FPS"] = "20",
                ["MFUSER_PUBLISH_SEGMENTATION_HZ"] = "60", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.5",
            });

        await Until(() => client.Availability == DeviceAvailability.Online && client.Info is not null && got.Maps.Count >= 2, "online, info, maps");
        Assert.Equal((_model.Width, _model.Height), (client.Info!.Input.Width, client.Info.Input.Height));
        Assert.False(client.Info.Calibration.Present);
        Assert.Equal("cpu", client.Info.Execution.Provider);

        // A hostile publisher on the device's topics: each bad message is rejected with a reason, the rest keep coming.
        await PublishAsync(broker.Port, "mfuser/cl1/drivable", "{\"frame\":\"not a number\"}"u8.ToArray());
        await PublishAsync(broker.Port, "mfuser/cl1/segmentation", "\u0089PNG but not really"u8.ToArray());
        await PublishAsync(broker.Port, "mfuser/cl1/available", "maybe"u8.ToArray());
        await Until(() => got.Rejected.Count == 3, "three rejections");
        Assert.Equal(3, client.RejectedCount);
        Assert.Contains(got.Rejected, r => r.Topic == "mfuser/cl1/segmentation" && r.Reason.Contains("signature"));
        Assert.Contains(got.Rejected, r => r.Topic == "mfuser/cl1/available" && r.Reason.Contains("'maybe'"));
        var before = got.Drivable.Count;
        await Until(() => got.Drivable.Count > before + 3, "drivable after the hostile messages");

        // The broker dies and comes back: the client reconnects by itself and the daemon's messages arrive again.
        broker.Kill();
        await Until(() => !client.IsConnected, "the client notices the lost broker");
        await broker.RestartAsync();
        before = got.Drivable.Count;
        await Until(() => client.IsConnected && got.Drivable.Count > before + 3, "drivable after the broker restart", seconds: 60);
        var statsBefore = got.Stats.Count;
        await Until(() => got.Stats.Count > statsBefore, "stats after the broker restart");

        await edge.TerminateAsync(TimeSpan.FromSeconds(30));
        await Until(() => client.Availability == DeviceAvailability.Stopped, "stopped");

        Assert.Equal(got.Drivable.Select(d => d.Frame).Distinct().Count(), got.Drivable.Count);
        Assert.All(got.Drivable, d => Assert.Null(d.ToLaserScan()));
        foreach (var map in got.Maps)
            Assert.Equal(_model.LabelsOf(TestVideo.Frame((int)(map.Frame!.Value % 40), _model.Width, _model.Height)), map.ClassIds);
        Assert.Contains(got.Stats, s => s.FramesProcessed > 0 && s.LatencyMs.ContainsKey("inference") && s.Blocks.ContainsKey("mqtt"));
        // Retained "online" on every (re)connect, then "stopped": the hostile "maybe" changed nothing.
        var states = got.Availability.ToList();
        Assert.Equal(DeviceAvailability.Stopped, states[^1]);
        Assert.All(states[..^1], a => Assert.Equal(DeviceAvailability.Online, a));
    }

    [Fact]
    public async Task Episodes_and_laser_scans_from_a_calibrated_drive_and_offline_when_the_daemon_dies()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var got = new Received();
        await using var client = got.Attach(new EdgeClient(new EdgeClientOptions { Port = broker.Port, DeviceId = "cl2", Segmentation = false }));
        await client.ConnectAsync();
        var edge = EdgeProcess.Start(
            ["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=7&fps=15&schedule=clear:4,fog:4,clear:60&size=320x192",
             "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "cl2"],
            new Dictionary<string, string>
            {
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_ANALYSIS_CALIBRATION"] = "calibration/example-1280x720.yaml",
                ["MFUSER_DOMAIN_SHIFT_WARMUP_S"] = "2.5", ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("no-such-reference.json"),
            });

        using (edge) // disposing kills it (SIGKILL): no clean disconnect, so the broker publishes the Last Will
            await Until(() => got.Episodes.Any(e => e.Event == EpisodeEventKind.End), "an episode's end", seconds: 90);
        var episode = got.Episodes.ToList();
        Assert.Equal(EpisodeEventKind.New, episode[0].Event);
        Assert.All(episode, e => Assert.Equal(episode[0].EpisodeId, e.EpisodeId));
        Assert.Equal(EpisodeEndReason.Recovered, episode[^1].EndReason);
        Assert.True(episode[^1].EndedAt > episode[0].StartedAt);
        Assert.Empty(got.Maps);

        var drivable = got.Drivable.Last();
        var scan = drivable.ToLaserScan()!;
        Assert.Equal(client.Info!.FreeSpace.Bins, scan.Ranges.Length);
        Assert.True(scan.AngleMin < 0 && scan.AngleMax > 0, $"{scan.AngleMin} … {scan.AngleMax}");
        Assert.All(scan.Ranges, r => Assert.True(float.IsPositiveInfinity(r) || r >= scan.RangeMin && r <= scan.RangeMax, r.ToString()));
        Assert.Equal(drivable.CapturedAt, scan.Stamp);

        await Until(() => client.Availability == DeviceAvailability.Offline, "offline (Last Will)");
        Assert.Equal(0, client.RejectedCount);
    }

    private static async Task Until(Func<bool> condition, string what, int seconds = 30)
    {
        var deadline = DateTime.UtcNow.AddSeconds(seconds);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no {what} within {seconds} s");
            await Task.Delay(50);
        }
    }

    private static async Task PublishAsync(int port, string topic, byte[] payload)
    {
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).Build());
        await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).Build());
        await mqtt.DisconnectAsync();
    }

    public void Dispose() => _dir.Dispose();
}
