using System.Text;
using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>The broker away, restarted or cut off: the link never blocks its caller, counts what it drops,
/// reconnects and republishes its retained state.</summary>
public sealed class MqttLinkResilienceTests
{
    [Fact]
    public async Task Broker_down_at_start_then_started_connects_and_publishes()
    {
        var port = FreePort.Next();
        await using var link = await Links.StartedAsync(Links.Options(port), waitConnected: false);
        link.SetRetained(link.Topics.Info, """{"model":"m"}"""u8);
        await Task.Delay(600); // several failed attempts
        for (var i = 0; i < 5; i++)
            Assert.False(link.TryPublish(link.Topics.Drivable, "{}"u8));
        var down = link.Counters;
        Assert.False(down.Connected);
        Assert.Equal(5, down.DroppedDisconnected);

        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        Assert.True(await link.WaitConnectedAsync(Links.Wait), "did not connect after the broker came up");
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Base + "/#");
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        await probe.WaitForAsync(link.Topics.Info, """{"model":"m"}""", Links.Wait);
        Assert.True(link.TryPublish(link.Topics.Drivable, """{"frame":1}"""u8));
        await probe.WaitForAsync(link.Topics.Drivable, """{"frame":1}""", Links.Wait);
        Assert.Equal(0, link.Counters.Reconnects); // the first connection is not a reconnect
    }

    [Fact]
    public async Task Broker_restarted_mid_run_reconnects_and_republishes_retained_topics()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var link = await Links.StartedAsync(Links.Options(broker.Port));
        link.SetRetained(link.Topics.Info, """{"v":1}"""u8);
        await using (var before = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Info))
            await before.WaitForAsync(link.Topics.Info, """{"v":1}""", Links.Wait);

        broker.Kill(); // persistence false: the restarted broker has forgotten every retained message
        await Links.WaitUntilAsync(() => !link.IsConnected, "link noticed the broker is gone");
        Assert.False(link.TryPublish(link.Topics.Drivable, "{}"u8));
        await broker.RestartAsync();

        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        await using var after = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Base + "/#");
        var info = await after.WaitForAsync(m => m.Topic == link.Topics.Info, Links.Wait);
        Assert.Equal(("""{"v":1}""", true), (info.Text, info.Retain));
        var online = await after.WaitForAsync(m => m.Topic == link.Topics.Available, Links.Wait);
        Assert.Equal((Availability.Online, true), (online.Text, online.Retain));
        Assert.Equal(1, link.Counters.Reconnects);
        Assert.Equal(1, link.Counters.DroppedDisconnected);
    }

    [Fact]
    public async Task Abrupt_connection_loss_makes_the_broker_publish_the_last_will_then_the_link_recovers()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        await using var link = await Links.StartedAsync(Links.Options(proxy.Port));
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Available);
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);

        proxy.StopListening(); // keep it away after the cut so the will stays the retained state for a moment
        proxy.SeverAll();
        var will = await probe.WaitForAsync(link.Topics.Available, Availability.Offline, Links.Wait);
        await using (var late = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Available))
        {
            var retained = await late.WaitForAsync(m => m.Topic == link.Topics.Available, Links.Wait);
            Assert.Equal((Availability.Offline, true), (retained.Text, retained.Retain));
        }

        proxy.Start();
        var count = probe.Messages.Count;
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait, skip: count);
        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        Assert.Equal(1, link.Counters.Reconnects);
        Assert.True(will.ReceivedAt > DateTime.MinValue);
    }

    [Fact]
    public async Task A_broker_that_drops_every_connection_at_once_is_retried_with_backoff_not_hammered()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        var options = Links.Options(proxy.Port) with { ReconnectMin = TimeSpan.FromMilliseconds(200), ReconnectMax = TimeSpan.FromSeconds(1) };
        await using var link = await Links.StartedAsync(options);
        // Every connection is cut as soon as it is made (as a retained packet too large to receive did on every connect).
        var until = DateTime.UtcNow.AddSeconds(4);
        while (DateTime.UtcNow < until)
        {
            proxy.SeverAll();
            await Task.Delay(20);
        }
        // Backoff 0.2, 0.4, 0.8, 1, 1 s: about six reconnects in four seconds; reconnecting at once made hundreds.
        Assert.InRange(link.Counters.Reconnects, 1, 10);
        Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(5)), "the link comes back once connections last");
    }

    [Fact]
    public async Task A_silently_dead_connection_is_detected_by_keep_alive_and_replaced()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        await using var link = await Links.StartedAsync(Links.Options(proxy.Port) with { KeepAlive = TimeSpan.FromSeconds(1) });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Available);
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);

        proxy.Blackhole(); // no RST, no FIN: only keep-alive can tell
        await probe.WaitForAsync(link.Topics.Available, Availability.Offline, Links.Wait); // the broker's side: 1.5 × keep-alive
        await Links.WaitUntilAsync(() => !link.IsConnected, "the link noticed the dead connection");
        var count = probe.Messages.Count;
        proxy.Blackhole(false);
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait, skip: count);
        Assert.Equal(1, link.Counters.Reconnects);
    }

    [Fact]
    public async Task Full_queue_drops_and_counts_without_blocking_the_caller()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var link = await Links.StartedAsync(Links.Options(broker.Port) with { QueueCapacity = 4 });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Drivable);
        var payload = new byte[2048];
        const int total = 20_000;
        var accepted = 0;
        var maxDepth = 0;
        for (var i = 0; i < total; i++)
        {
            BitConverter.TryWriteBytes(payload, i);
            if (link.TryPublish(link.Topics.Drivable, payload))
                accepted++;
            maxDepth = Math.Max(maxDepth, link.Counters.QueueDepth);
        }
        await Links.WaitUntilAsync(() => link.Counters is { QueueDepth: 0, Unconfirmed: 0 }, "queue drained and what was sent confirmed");
        var c = link.Counters;
        Assert.True(c.DroppedQueueFull > 0, "a 4-slot queue fed 20 000 messages in a tight loop must overflow");
        Assert.Equal(total, accepted + c.DroppedQueueFull);
        Assert.True(maxDepth <= 4, $"queue depth reached {maxDepth}");
        Assert.Equal(accepted, c.Published - 1 + c.DroppedFailed); // every accepted message was sent or failed; minus the retained online

        // What got through arrives in order (the broker itself may shed QoS 0 traffic to a slow subscriber).
        await Links.WaitUntilAsync(() => probe.On(link.Topics.Drivable).Count > 0, "probe received messages");
        var ids = probe.On(link.Topics.Drivable).Select(m => BitConverter.ToInt32(m.Payload)).ToList();
        Assert.Equal(ids.Order(), ids);
    }

    [Fact]
    public async Task Must_deliver_messages_wait_for_the_broker_and_arrive_in_order_at_qos1()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port); // not started: the broker is unreachable for the link
        await using var link = await Links.StartedAsync(Links.Options(proxy.Port), waitConnected: false);
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.DomainShift);
        for (var i = 0; i < 3; i++)
            Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, Encoding.UTF8.GetBytes($"episode {i}")));
        Assert.Equal(3, link.Counters.MustDeliverPending);
        await Task.Delay(300);
        Assert.Empty(probe.Messages);

        proxy.Start();
        await probe.WaitForAsync(link.Topics.DomainShift, "episode 2", Links.Wait);
        Assert.Equal(["episode 0", "episode 1", "episode 2"], probe.On(link.Topics.DomainShift).Select(m => m.Text));
        Assert.All(probe.On(link.Topics.DomainShift), m => Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, m.Qos));
        await Links.WaitUntilAsync(() => link.Counters.MustDeliverPending == 0, "store emptied after PUBACKs");
    }

    [Fact]
    public async Task A_full_must_deliver_store_refuses_and_counts()
    {
        var store = new InMemoryMustDeliverStore(capacity: 2);
        await using var link = await Links.StartedAsync(Links.Options(FreePort.Next()) with { MustDeliverStore = store }, waitConnected: false);
        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "a"u8));
        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "b"u8));
        Assert.False(link.EnqueueMustDeliver(link.Topics.DomainShift, "c"u8));
        Assert.Equal((2, 1L), (link.Counters.MustDeliverPending, link.Counters.MustDeliverRefused));
    }
}
