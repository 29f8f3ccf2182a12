using System.Text.Json;
using MFuser.Edge.Core.Control;
using MFuser.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary>The daemon's control surface wiring: the configured per-command rate limit is applied and the rejections
/// by reason, with the link's new counters, reach <c>stats</c> (docs/mqtt-api.md).</summary>
public sealed class ControlSurfaceTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_command_over_its_configured_rate_is_answered_rate_limited_and_counted_in_stats()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/cs1/#");
        using var edge = EdgeProcess.Start(
        [
            "run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=7&fps=15&schedule=clear:600&size=320x192",
            "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "cs1",
        ], new Dictionary<string, string>
        {
            ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_CONTROL_ENABLED"] = "true", ["MFUSER_CONTROL_MARK_EVENT_PER_MIN"] = "1",
            ["MFUSER_FIELD_LOG_DIR"] = _dir.File("logs"), ["MFUSER_FIELD_LOG_MIN_FREE_MB"] = "0", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.5",
        });
        await probe.WaitForAsync(m => m.Topic == "mfuser/cs1/drivable", TimeSpan.FromSeconds(60));
        using var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).Build());

        foreach (var id in new[] { "first", "second" })
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("mfuser/cs1/cmd/mark_event")
                .WithPayload($$"""{"label":"cone","id":"{{id}}"}""").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var first = Json(await probe.WaitForAsync(m => m.Topic.EndsWith("/result") && m.Text.Contains("\"first\""), TimeSpan.FromSeconds(10)));
        var second = Json(await probe.WaitForAsync(m => m.Topic.EndsWith("/result") && m.Text.Contains("\"second\""), TimeSpan.FromSeconds(10)));
        Assert.True(first.GetProperty("ok").GetBoolean(), first.ToString());
        Assert.Equal(RejectReason.RateLimited, second.GetProperty("reason").GetString());

        var stats = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/cs1/stats" && m.Text.Contains("\"rate_limited\":1"), TimeSpan.FromSeconds(10)));
        var control = stats.GetProperty("control");
        Assert.Equal(1, control.GetProperty("rejected").GetInt64());
        Assert.Equal(RejectReason.All.Order(), control.GetProperty("rejected_by_reason").EnumerateObject().Select(p => p.Name).Order());
        var mqtt = stats.GetProperty("mqtt");
        foreach (var counter in new[] { "sent", "unconfirmed", "lost", "dead_lettered", "refused_by_broker", "subscriptions_refused", "dead_links" })
            Assert.Equal(JsonValueKind.Number, mqtt.GetProperty(counter).ValueKind);
        await edge.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(edge.ExitCode == 0, edge.ToString());
    }

    private static JsonElement Json(ReceivedMessage m) => JsonDocument.Parse(m.Payload).RootElement;
}
