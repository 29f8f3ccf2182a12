using System.Collections.Concurrent;
using System.Text.Json;
using Json.Schema;
using MFuser.Edge.Client.Payloads;
using MFuser.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Client.Tests.Contract;

/// <summary>
/// Every JSON payload the built daemon publishes in two integration runs validates against its committed schema
/// (docs/schemas/, JsonSchema.Net with format validation): a calibrated drive with GPS, control and a fog episode
/// (drivable with scan and gps, info, stats with its part blocks, domain_shift new/update/end, setting states and
/// results, command results), and an uncalibrated file run without GPS (drivable with <c>scan: null</c> and no
/// <c>gps</c>, info without calibration). The plain-text <c>available</c> and setting <c>state</c> payloads are checked
/// against the inline schemas of docs/asyncapi.yaml.
/// </summary>
public sealed class PublishedPayloadTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public async Task Calibrated_drive_with_gps_control_and_an_episode_publishes_only_valid_payloads()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/pc1/#");
        using var gpsPty = new PtyPair("gps");
        using var stop = new CancellationTokenSource();
        var gps = Task.Run(() => NmeaFeed.RunAsync(gpsPty, stop.Token));
        using var edge = EdgeProcess.Start(
            ["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=7&fps=15&schedule=clear:4,fog:4,clear:6&size=320x192",
             "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "pc1"],
            new Dictionary<string, string>
            {
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_ANALYSIS_CALIBRATION"] = "calibration/example-1280x720.yaml",
                ["MFUSER_SERIAL_GPS_PORT"] = gpsPty.Device, ["MFUSER_GPS_MAX_FIX_AGE_S"] = "5",
                ["MFUSER_CONTROL_ENABLED"] = "true", ["MFUSER_FIELD_LOG_DIR"] = _dir.File("logs"), ["MFUSER_FIELD_LOG_MIN_FREE_MB"] = "0",
                ["MFUSER_DOMAIN_SHIFT_WARMUP_S"] = "2.5", ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("no-such-reference.json"),
                ["MFUSER_DOMAIN_SHIFT_UPDATE_INTERVAL_S"] = "0.5", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "1",
            });

        await probe.WaitForAsync("mfuser/pc1/overlay_hz/state", "0", TimeSpan.FromSeconds(30));
        await probe.WaitForAsync(m => m.Topic == "mfuser/pc1/drivable" && m.Text.Contains("\"lat\""), TimeSpan.FromSeconds(30));
        await PublishAsync(broker.Port, "mfuser/pc1/overlay_hz/set", "1");
        await PublishAsync(broker.Port, "mfuser/pc1/segmentation_hz/set", "fast");
        await PublishAsync(broker.Port, "mfuser/pc1/cmd/snapshot", """{"reason":"schema check","id":"s1"}""");
        await PublishAsync(broker.Port, "mfuser/pc1/cmd/mark_event", """{"label":5}""");
        await PublishAsync(broker.Port, "mfuser/pc1/cmd/no_such_command", "");
        await probe.WaitForAsync(m => m.Topic == "mfuser/pc1/domain_shift" && m.Text.Contains("\"end\""), TimeSpan.FromSeconds(60));
        await probe.WaitForAsync(m => m.Topic == "mfuser/pc1/stats" && m.Text.Contains("\"control\""), TimeSpan.FromSeconds(10));
        await edge.TerminateAsync(TimeSpan.FromSeconds(30));
        await probe.WaitForAsync("mfuser/pc1/available", "stopped", TimeSpan.FromSeconds(10));
        await stop.CancelAsync();
        await gps;

        var messages = probe.Messages;
        AssertAllValid(messages);
        var events = Of(messages, "domain_shift").Select(m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("event").GetString());
        Assert.Equal(["end", "new", "update"], events.Distinct().Order(StringComparer.Ordinal));
        Assert.Contains(Of(messages, "drivable"),
            m => JsonDocument.Parse(m.Payload).RootElement.GetProperty("free_space").GetProperty("scan").ValueKind == JsonValueKind.Object);
        Assert.Contains(messages, m => m.Topic.EndsWith("/result") && m.Text.Contains("\"ok\":false"));
        Assert.Contains(messages, m => m.Topic == "mfuser/pc1/cmd/snapshot/result" && m.Text.Contains("\"ok\":true"));
        Assert.Contains(messages, m => m.Topic == "mfuser/pc1/overlay_hz/state" && m.Text == "1");
    }

    [Fact]
    public async Task Uncalibrated_file_run_without_gps_publishes_only_valid_payloads()
    {
        var model = ColourRuleModel.Default;
        var video = TestVideo.Write(_dir.File("street.mkv"), 12, model.Width, model.Height);
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/pc2/#");
        var edge = await EdgeProcess.RunAsync(
            ["run", "--model", RepoPaths.FixturePackage, "--source", $"file://{video}", "--broker", $"mqtt://127.0.0.1:{broker.Port}",
             "--device-id", "pc2", "--max-frames", "10"],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.2" });
        Assert.True(edge.ExitCode == 0, edge.ToString());
        await probe.WaitForAsync("mfuser/pc2/available", "stopped", TimeSpan.FromSeconds(10));

        var messages = probe.Messages;
        AssertAllValid(messages);
        Assert.InRange(Of(messages, "drivable").Count, 1, 10); // frames a newer one overtook are skipped, not published
        Assert.All(Of(messages, "drivable"), m =>
        {
            var root = JsonDocument.Parse(m.Payload).RootElement;
            Assert.Equal(JsonValueKind.Null, root.GetProperty("free_space").GetProperty("scan").ValueKind);
            Assert.False(root.TryGetProperty("gps", out _));
        });
        Assert.Single(Of(messages, "info"));
    }

    [Fact]
    public void A_payload_that_drifts_from_the_contract_is_rejected()
    {
        var drivable = Schema("drivable");
        var valid = JsonSerializer.SerializeToDocument(Sample, ClientJsonContext.Default.Drivable);
        Assert.True(drivable.Evaluate(valid.RootElement, Options).IsValid, valid.RootElement.GetRawText());
        foreach (var broken in new[]
                 {
                     """{"extra": 1}""", """{"frame": "12"}""", """{"captured_at": "yesterday"}""",
                     """{"free_space": {"bins": 1, "rows": [1], "classes": [null]}}""",
                     // out of range: the schema bounds numbers, not only types
                     """{"drivable_fraction": 1.5}""", """{"frame": -1}""", """{"width": 0}""", """{"unknown_fraction": -0.1}""",
                     """{"gps": {"lat": 91, "lon": 0, "fix_quality": 1, "time": "2026-01-01T00:00:00Z"}}""",
                     """{"ego_corridor": {"row": -2, "clear_rows": 0, "class": null, "class_name": null, "range_m": null}}""",
                 })
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(valid.RootElement.GetRawText())!.AsObject();
            foreach (var (key, value) in System.Text.Json.Nodes.JsonNode.Parse(broken)!.AsObject().ToList())
                node[key] = value?.DeepClone();
            Assert.False(drivable.Evaluate(JsonDocument.Parse(node.ToJsonString()).RootElement, Options).IsValid, broken);
        }
    }

    private static readonly Drivable Sample = new(7, DateTimeOffset.UnixEpoch, 320, 192, 0.5, 0.9, 0.1,
        new Dictionary<string, double> { ["road"] = 0.5, ["sky"] = 0.5 }, 0,
        new FreeSpace(2, [100, -1], [13, null], new GroundScan(-0.3, 0.3, 0.6, 2.5, 100, [7.5, null])),
        new EgoCorridor(100, 91, 13, "car", 7.4), new FrameLatencies(40, 30), new GpsFix(48.1, 11.5, 1, DateTimeOffset.UnixEpoch));

    private static readonly EvaluationOptions Options = new() { OutputFormat = OutputFormat.List, RequireFormatValidation = true };

    /// <summary>The schema each JSON topic's payload must match; plain-text topics are checked in the AsyncAPI test.</summary>
    private static string? SchemaFor(string topic)
    {
        var parts = topic.Split('/');
        return parts[^1] switch
        {
            "drivable" or "info" or "stats" or "domain_shift" when parts.Length == 3 => parts[^1],
            "result" => "command_result",
            _ => null,
        };
    }

    private static void AssertAllValid(IReadOnlyList<ReceivedMessage> messages)
    {
        var checkedTopics = new HashSet<string>();
        foreach (var m in messages)
        {
            if (TextChannelOf(m.Topic) is { } channel)
            {
                var text = JsonSerializer.SerializeToElement(m.Text);
                Assert.True(Schemas.GetOrAdd(channel, c => JsonSchema.FromText(AsyncApiDocument.PayloadOf(c).GetRawText()))
                    .Evaluate(text, Options).IsValid, $"{m.Topic}: '{m.Text}' is not a valid {channel} payload of docs/asyncapi.yaml");
                checkedTopics.Add(channel);
            }
            if (SchemaFor(m.Topic) is not { } name)
                continue;
            var result = Schema(name).Evaluate(JsonDocument.Parse(m.Payload).RootElement, Options);
            Assert.True(result.IsValid, $"{m.Topic} does not match docs/schemas/{name}.json:\n" +
                string.Join("\n", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                    .Select(d => $"  {d.InstanceLocation}: {string.Join("; ", d.Errors!.Values)}")) + $"\npayload: {m.Text}");
            checkedTopics.Add(name);
        }
        Assert.Contains("drivable", checkedTopics);
        Assert.Contains("info", checkedTopics);
        Assert.Contains("stats", checkedTopics);
    }

    /// <summary>The AsyncAPI channel of a plain-text topic, whose payload schema is inline in the document.</summary>
    private static string? TextChannelOf(string topic) => topic.Split('/') switch
    {
        [_, _, "available"] => "available",
        [_, _, _, "state"] => "settingState",
        _ => null,
    };

    private static List<ReceivedMessage> Of(IEnumerable<ReceivedMessage> messages, string suffix) =>
        messages.Where(m => m.Topic.EndsWith("/" + suffix, StringComparison.Ordinal)).ToList();

    private static readonly ConcurrentDictionary<string, JsonSchema> Schemas = new();

    private static JsonSchema Schema(string name) => Schemas.GetOrAdd(name, n => JsonSchema.FromFile(PayloadSchemas.FileOf(n)));

    private static async Task PublishAsync(int port, string topic, string payload)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).Build());
        await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await client.DisconnectAsync();
    }

    public void Dispose() => _dir.Dispose();
}
