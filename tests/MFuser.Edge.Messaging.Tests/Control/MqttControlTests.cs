using System.Buffers;
using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.Control;
using MFuser.TestSupport;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Tests.Control;

/// <summary>The control surface through a real mosquitto: set/state, commands/results, and a seeded fuzz.</summary>
public sealed class MqttControlTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();

    public async Task DisposeAsync() => await _broker.DisposeAsync();

    private async Task<IMqttClient> PublisherAsync()
    {
        var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(_broker.Host, _broker.Port)
            .WithClientId($"pub-{Guid.NewGuid():N}").Build());
        return client;
    }

    /// <summary>Keep-alive of the fuzz tests' links: long, so a CPU stall on a loaded test machine cannot get a
    /// connection declared dead (and the messages in flight to a clean session lost) while every message is counted.</summary>
    private static readonly TimeSpan FuzzKeepAlive = TimeSpan.FromSeconds(60);

    private static Task PublishAsync(IMqttClient client, string topic, byte[] payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    [Fact]
    public async Task Set_publishes_retained_state_and_commands_answer_on_their_result_topic()
    {
        var (router, settings, calls) = ControlFixtures.NewRouter();
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port));
        new MqttControl(link, router).Attach();
        var b = link.Topics.Base;
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, b + "/#");
        await probe.WaitForAsync(b + "/segmentation_hz/state", "2", Links.Wait);
        await probe.WaitForAsync(b + "/recording/state", "OFF", Links.Wait);
        using var publisher = await PublisherAsync();
        await Task.Delay(300); // the link's subscription is made on connect; give it a moment after Attach

        await PublishAsync(publisher, b + "/segmentation_hz/set", "5"u8.ToArray());
        await probe.WaitForAsync(b + "/segmentation_hz/state", "5", Links.Wait);
        Assert.Equal(5, settings.SegmentationHz);
        var ok = await probe.WaitForAsync(m => m.Topic == b + "/segmentation_hz/result", Links.Wait);
        Assert.True(JsonDocument.Parse(ok.Payload).RootElement.GetProperty("ok").GetBoolean());

        await PublishAsync(publisher, b + "/recording/set", "maybe"u8.ToArray());
        var rejected = await probe.WaitForAsync(m => m.Topic == b + "/recording/result", Links.Wait);
        Assert.Equal("recording: expected ON or OFF, got 'maybe'", JsonDocument.Parse(rejected.Payload).RootElement.GetProperty("error").GetString());
        Assert.False(settings.Recording);

        await PublishAsync(publisher, b + "/cmd/mark_event", """{"label":"cone","id":"r1"}"""u8.ToArray());
        var result = await probe.WaitForAsync(m => m.Topic == b + "/cmd/mark_event/result", Links.Wait);
        Assert.Equal(MqttQualityOfServiceLevel.AtLeastOnce, result.Qos);
        Assert.Equal("r1", JsonDocument.Parse(result.Payload).RootElement.GetProperty("id").GetString());
        Assert.Equal("cone", Assert.Single(calls).Arguments["label"]);

        // a late subscriber gets the retained state right away (Frigate's set/state contract)
        await using var late = await MqttProbe.StartAsync(_broker.Host, _broker.Port, b + "/segmentation_hz/state");
        var state = await late.WaitForAsync(m => true, Links.Wait);
        Assert.True(state.Retain);
        Assert.Equal("5", state.Text);
    }

    [Theory]
    [InlineData(MqttProtocol.V500)] // the broker is asked not to send them (Retain Handling 2)
    [InlineData(MqttProtocol.V311)] // the broker sends them; the link drops them
    public async Task Retained_requests_and_commands_are_never_acted_on(MqttProtocol protocol)
    {
        var (router, settings, calls) = ControlFixtures.NewRouter();
        var options = Links.Options(_broker.Port) with { Protocol = protocol };
        var b = $"{options.TopicPrefix}/{options.DeviceId}";
        using (var publisher = await PublisherAsync())
        {
            // Left on the broker before the daemon starts (or by a careless tool): replayed on every reconnect, they
            // would undo later settings and rewrite snapshots.
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(b + "/segmentation_hz/set").WithPayload("7")
                .WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
            await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(b + "/cmd/mark_event")
                .WithPayload("""{"label":"stale"}""").WithRetainFlag().WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, b + "/#");
        await using var link = await Links.StartedAsync(options);
        new MqttControl(link, router).Attach();
        await probe.WaitForAsync(b + "/segmentation_hz/state", "2", Links.Wait);
        using var live = await PublisherAsync();
        await Task.Delay(300); // the subscription is made on connect

        await PublishAsync(live, b + "/overlay_hz/set", "3"u8.ToArray());
        await probe.WaitForAsync(m => m.Topic == b + "/overlay_hz/result", Links.Wait);
        // Anything done for the retained messages (subscribed before the live one) would have answered by now.
        Assert.Equal(2, settings.SegmentationHz);
        Assert.Empty(calls);
        Assert.DoesNotContain(probe.Messages, m => m.Topic == b + "/segmentation_hz/result" || m.Topic == b + "/cmd/mark_event/result");
        Assert.Equal(protocol == MqttProtocol.V500 ? "5.0" : "3.1.1", link.Counters.Protocol);
    }

    /// <summary>Seeded random and mutated payloads on every control topic.</summary>
    private static List<(string Topic, byte[] Payload)> Fuzz(int seed, int count)
    {
        string[] topics = ["segmentation_hz/set", "overlay_hz/set", "recording/set", "cmd/snapshot", "cmd/mark_event", "fps/set", "cmd/reboot"];
        string[] samples =
        [
            "2", "0.5", "60", "ON", "OFF", "", """{"label":"pothole","note":"n","id":"a1"}""", """{"reason":"manual"}""",
            """{"label":"fail"}""", "{}", "[]", "null", """{"label":1}""", """{"label":"x","label":"y"}""",
        ];
        var random = new Random(seed);
        var messages = new List<(string, byte[])>(count);
        for (var i = 0; i < count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(samples[random.Next(samples.Length)]).ToList();
            switch (random.Next(5))
            {
                case 0:
                    bytes = Enumerable.Range(0, random.Next(0, 64)).Select(_ => (byte)random.Next(256)).ToList();
                    break;
                case 1 when bytes.Count > 0:
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                    break;
                case 2:
                    bytes.InsertRange(random.Next(bytes.Count + 1), Encoding.UTF8.GetBytes(new string("\"{}[],:0a\\"[random.Next(10)], random.Next(1, 1200))));
                    break;
                case 3 when bytes.Count > 0:
                    bytes = bytes.Take(random.Next(bytes.Count)).ToList();
                    break;
            }
            messages.Add((topics[random.Next(topics.Length)], bytes.ToArray()));
        }
        return messages;
    }

    [Fact]
    public async Task Fuzzed_payloads_through_mosquitto_are_each_counted_and_valid_ones_still_work_afterwards()
    {
        const int count = 3000;
        var messages = Fuzz(seed: 61126, count);
        var clock = new ManualClock(); // the command rate limits see the same time in the twin and through the broker
        var (twin, twinSettings, _) = ControlFixtures.NewRouter(new ManualClock());
        foreach (var (topic, payload) in messages)
            twin.Handle(topic, new ReadOnlySequence<byte>(payload));
        Assert.True(twin.Counters.Rejected > count / 3, $"fuzz too mild: {twin.Counters.Rejected} rejected");
        Assert.True(twin.Counters.Accepted > 50, $"fuzz too harsh: {twin.Counters.Accepted} accepted");

        var (router, settings, _) = ControlFixtures.NewRouter(clock);
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port) with { KeepAlive = FuzzKeepAlive });
        new MqttControl(link, router).Attach();
        var b = link.Topics.Base;
        using var publisher = await PublisherAsync();
        await Task.Delay(300);
        foreach (var (topic, payload) in messages)
            await PublishAsync(publisher, $"{b}/{topic}", payload);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        long Handled() => router.Counters.Accepted + router.Counters.Rejected + router.Counters.Failed;
        while (Handled() < count && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Equal(count, Handled());
        Assert.Equal((twin.Counters.Accepted, twin.Counters.Rejected, twin.Counters.Failed),
            (router.Counters.Accepted, router.Counters.Rejected, router.Counters.Failed));
        Assert.Equal((twinSettings.SegmentationHz, twinSettings.OverlayHz, twinSettings.Recording),
            (settings.SegmentationHz, settings.OverlayHz, settings.Recording));
        foreach (var name in new[] { "segmentation_hz", "recording", "mark_event", "unknown" })
            Assert.Equal(twin.Counters.For(name), router.Counters.For(name));

        // valid ones still work: wait for the result backlog to drain, then set and command again
        while (link.Counters.MustDeliverPending > 0 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, b + "/#");
        await PublishAsync(publisher, b + "/overlay_hz/set", "7.5"u8.ToArray());
        await probe.WaitForAsync(m => m.Topic == b + "/overlay_hz/state" && m.Text == "7.5", Links.Wait);
        clock.Advance(TimeSpan.FromMinutes(1)); // the fuzz used up mark_event's per-minute limit
        await PublishAsync(publisher, b + "/cmd/mark_event", """{"label":"after fuzz","id":"last"}"""u8.ToArray());
        var result = await probe.WaitForAsync(m => m.Topic == b + "/cmd/mark_event/result" && m.Text.Contains("\"last\""), Links.Wait);
        Assert.True(JsonDocument.Parse(result.Payload).RootElement.GetProperty("ok").GetBoolean());
        Assert.Equal(7.5, settings.OverlayHz);
    }

    [Fact]
    public async Task Hostile_topics_and_payloads_through_mosquitto_are_each_answered_or_counted_and_the_log_stays_bounded()
    {
        var random = new Random(20261207);
        // Every broker-valid shape: empty levels, $-levels, long levels, non-ASCII; "cmd/set" matches both filters and is
        // left out so that each message reaches the router exactly once.
        var messages = Enumerable.Range(0, 2000).Select(_ => (Topic: ControlFuzz.BrokerTopic(random), Payload: ControlFuzz.Payload(random)))
            .Where(m => m.Topic != "cmd/set").ToList();
        var routed = messages.Count(m => m.Topic.Split('/') is [var first, var second] && (second == "set" || first == "cmd"));
        var clock = new ManualClock();
        var (router, _, _) = ControlFixtures.NewRouter(clock);
        var logs = new LogRecorder();
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port) with { KeepAlive = FuzzKeepAlive });
        new MqttControl(link, router, logs.For<MqttControl>()).Attach();
        var b = link.Topics.Base;
        using var publisher = await PublisherAsync();
        await Task.Delay(300);

        var started = DateTime.UtcNow;
        foreach (var (topic, payload) in messages)
            await PublishAsync(publisher, $"{b}/{topic}", payload);
        long Handled() => router.Counters.Accepted + router.Counters.Rejected + router.Counters.Failed;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (Handled() < routed && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        var seconds = (DateTime.UtcNow - started).TotalSeconds;

        Assert.True(Handled() == routed, $"{Handled()} of {routed} control messages handled; link: {link.Counters}");
        Assert.Equal(router.Counters.Rejected, router.Counters.RejectedByReason().Values.Sum());
        // one line per second per kind at most: accepted, failed and one per reject reason
        var kinds = 2 + RejectReason.All.Count;
        Assert.True(logs.Lines.Count <= kinds * (Math.Ceiling(seconds) + 1), $"{logs.Lines.Count} log lines in {seconds:F1} s");

        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, b + "/cmd/mark_event/result");
        clock.Advance(TimeSpan.FromMinutes(1));
        await PublishAsync(publisher, b + "/cmd/mark_event", """{"label":"after","id":"after-fuzz"}"""u8.ToArray());
        var result = await probe.WaitForAsync(m => m.Text.Contains("\"after-fuzz\""), TimeSpan.FromSeconds(30));
        Assert.True(JsonDocument.Parse(result.Payload).RootElement.GetProperty("ok").GetBoolean(), result.Text);
    }
}
