using MFuser.Edge.Core.Control;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Tests.Mqtt;

/// <summary>Must-deliver messages that can never be sent are dead-lettered, not left blocking the ones behind them
/// (docs/mqtt-api.md, dead-letter policy); broker refusals (ACL) are counted and warned about once per topic.</summary>
public sealed class MustDeliverSenderTests
{
    [Fact]
    public async Task Messages_that_can_never_be_sent_are_dead_lettered_and_the_ones_behind_them_are_delivered_in_order()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { MaxPacketSize = 4096 });
        await using var link = await Links.StartedAsync(Links.Options(broker.Port));
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.DomainShift);
        var overlong = link.Topics.Base + "/" + new string('x', 70_000);

        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "before"u8));
        Assert.False(link.EnqueueMustDeliver(overlong, "refused up front: the topic is over MQTT's 65,535 bytes"u8));
        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, new byte[8000])); // over the broker's CONNACK limit
        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "after"u8));

        await probe.WaitForAsync(link.Topics.DomainShift, "after", Links.Wait);
        Assert.Equal(["before", "after"], probe.On(link.Topics.DomainShift).Select(m => m.Text));
        await Links.WaitUntilAsync(() => link.Counters.MustDeliverPending == 0, "store emptied");
        Assert.Equal(2, link.Counters.DeadLettered);
        Assert.True(link.IsConnected);
    }

    [Fact]
    public async Task A_setting_on_a_topic_too_long_for_its_result_is_counted_and_later_results_still_arrive()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var (router, _, _) = ControlFixtures.NewRouter();
        // A packet limit above the default 64 KB, which would keep such a topic from arriving at all.
        await using var link = await Links.StartedAsync(Links.Options(broker.Port) with { MaxPacketBytes = 256 * 1024 });
        new MqttControl(link, router).Attach();
        var b = link.Topics.Base;
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, b + "/cmd/+/result");
        using var publisher = new MqttClientFactory().CreateMqttClient();
        await publisher.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(broker.Host, broker.Port).Build());
        await Task.Delay(300);

        // The campaign's message: its …/result topic would be one byte over MQTT's limit.
        var level = new string('s', ushort.MaxValue - b.Length - "//set".Length);
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"{b}/{level}/set").WithPayload("1")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        await publisher.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(b + "/cmd/mark_event")
            .WithPayload("""{"label":"next","id":"n1"}""")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var result = await probe.WaitForAsync(m => m.Topic == b + "/cmd/mark_event/result", Links.Wait);
        Assert.Contains("\"n1\"", result.Text);
        Assert.Equal(1, router.Counters.RejectedByReason()[RejectReason.NameTooLong]); // it came first, on the same connection
        await Links.WaitUntilAsync(() => link.Counters.MustDeliverPending == 0, "nothing left waiting");
    }

    [Fact]
    public async Task A_publish_the_broker_refuses_is_counted_dead_lettered_and_warned_about_once_per_topic()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions
        {
            AclRules = ["topic read #", "topic write mfuser-test/+/available", "topic write mfuser-test/+/allowed"],
        });
        var logs = new LogRecorder();
        var options = Links.Options(broker.Port);
        await using var link = new MqttLink(options, logs.For<MqttLink>());
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Base + "/#");
        var denied = link.Topics.DomainShift;
        var allowed = link.Topics.Base + "/allowed";

        Assert.True(link.EnqueueMustDeliver(denied, "refused 1"u8));
        Assert.True(link.EnqueueMustDeliver(denied, "refused 2"u8));
        Assert.True(link.EnqueueMustDeliver(allowed, "delivered"u8));

        await probe.WaitForAsync(allowed, "delivered", Links.Wait);
        await Links.WaitUntilAsync(() => link.Counters.MustDeliverPending == 0, "store emptied");
        Assert.Equal((2, 2), (link.Counters.RefusedByBroker, link.Counters.DeadLettered));
        Assert.Empty(probe.On(denied));
        Assert.Single(logs.AtLeast(LogLevel.Warning), l => l.Text.Contains(denied) && l.Text.Contains("refused"));
    }

    [Fact]
    public async Task A_subscription_the_broker_refuses_is_counted_and_warned_about()
    {
        var deviceId = $"test-{Guid.NewGuid():N}"[..16];
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { DeniedSubscriptions = [$"mfuser-test/{deviceId}/cmd/+"] });
        var logs = new LogRecorder();
        await using var link = new MqttLink(Links.Options(broker.Port, deviceId), logs.For<MqttLink>());
        link.Subscribe(link.Topics.Base + "/cmd/+", _ => Task.CompletedTask);
        link.Subscribe(link.Topics.Base + "/+/set", _ => Task.CompletedTask);
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));

        Assert.Equal(1, link.Counters.SubscriptionsRefused);
        Assert.Single(logs.AtLeast(LogLevel.Warning), l => l.Text.Contains("refused the subscription to " + link.Topics.Base + "/cmd/+"));
    }
}
