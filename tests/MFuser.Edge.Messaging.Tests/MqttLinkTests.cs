using System.Buffers;
using System.Text;
using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>MqttLink against a real mosquitto: availability, retained state, best-effort publishing, image metadata,
/// subscriptions and the protocol fallback path.</summary>
public sealed class MqttLinkTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync();
    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Retained_online_while_running_and_stopped_after_a_clean_shutdown_without_the_will()
    {
        var link = await Links.StartedAsync(Links.Options(_broker.Port));
        link.SetRetained(link.Topics.Info, """{"device":"x"}"""u8);

        // A subscriber that arrives later gets the retained state.
        await using (var late = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Base + "/#"))
        {
            var online = await late.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
            Assert.True(online.Retain);
            Assert.Equal(MQTTnet.Protocol.MqttQualityOfServiceLevel.AtLeastOnce, online.Qos);
            var info = await late.WaitForAsync(m => m.Topic == link.Topics.Info, Links.Wait);
            Assert.True(info.Retain);
            Assert.Equal("""{"device":"x"}""", info.Text);
        }

        await using var watcher = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Available);
        await watcher.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        await link.DisposeAsync();
        await watcher.WaitForAsync(link.Topics.Available, Availability.Stopped, Links.Wait);
        await Task.Delay(500);
        Assert.DoesNotContain(watcher.On(link.Topics.Available), m => m.Text == Availability.Offline);

        await using var after = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Available);
        var retained = await after.WaitForAsync(m => m.Topic == link.Topics.Available, Links.Wait);
        Assert.Equal((Availability.Stopped, true), (retained.Text, retained.Retain));
    }

    [Fact]
    public async Task Best_effort_messages_arrive_in_order_at_qos0_and_are_counted()
    {
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port));
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Drivable);
        for (var i = 0; i < 50; i++)
            Assert.True(link.TryPublish(link.Topics.Drivable, Encoding.UTF8.GetBytes($"{{\"frame\":{i}}}")));
        await probe.WaitForAsync(m => m.Text == """{"frame":49}""", Links.Wait);
        var received = probe.On(link.Topics.Drivable);
        Assert.Equal(Enumerable.Range(0, 50).Select(i => $"{{\"frame\":{i}}}"), received.Select(m => m.Text));
        Assert.All(received, m => Assert.Equal((false, MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce), (m.Retain, m.Qos)));
        var c = link.Counters;
        Assert.True(c.Connected);
        Assert.Equal("5.0", c.Protocol);
        Assert.Equal(0, c.Dropped);
        Assert.True(c.Published >= 50 + 1, $"published {c.Published}"); // 50 + available
    }

    [Fact]
    public async Task Stopping_sends_what_is_already_queued_before_stopped()
    {
        var link = await Links.StartedAsync(Links.Options(_broker.Port) with { QueueCapacity = 512 });
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Base + "/#");
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        for (var i = 0; i < 300; i++)
            Assert.True(link.TryPublish(link.Topics.Drivable, Encoding.UTF8.GetBytes($"{i}")));
        await link.DisposeAsync();
        Assert.False(link.TryPublish(link.Topics.Drivable, "late"u8));
        var stopped = await probe.WaitForAsync(link.Topics.Available, Availability.Stopped, Links.Wait);
        var messages = probe.Messages;
        var drivable = messages.Where(m => m.Topic == link.Topics.Drivable).Select(m => m.Text).ToList();
        Assert.Equal(Enumerable.Range(0, 300).Select(i => $"{i}"), drivable);
        Assert.True(messages.ToList().IndexOf(stopped) > messages.ToList().FindLastIndex(m => m.Topic == link.Topics.Drivable));
    }

    [Fact]
    public async Task TryPublish_allocates_nothing_on_the_callers_thread_in_steady_state()
    {
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port));
        var payload = new byte[1200];
        long allocated = 0;
        for (var i = 0; i < 300; i++)
        {
            var published = link.Counters.Published;
            var before = GC.GetAllocatedBytesForCurrentThread();
            Assert.True(link.TryPublish(link.Topics.Drivable, payload));
            if (i >= 100) // after warm-up
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            while (link.Counters.Published == published)
                await Task.Delay(1); // the pace of a camera: the sender keeps up
        }
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task Image_topics_carry_mqtt5_content_type_and_frame_user_properties()
    {
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port));
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Segmentation);
        byte[] png = [0x89, (byte)'P', (byte)'N', (byte)'G', 1, 2, 3];
        var stamp = new FrameStamp(7, new DateTimeOffset(2026, 11, 26, 16, 0, 0, 250, TimeSpan.Zero));
        Assert.True(link.TryPublish(link.Topics.Segmentation, png, MessageMeta.Image("image/png", stamp, 64, 48)));
        var m = await probe.WaitForAsync(x => x.Topic == link.Topics.Segmentation, Links.Wait);
        Assert.Equal(png, m.Payload);
        Assert.Equal("image/png", m.ContentType);
        Assert.Equal("7", m.UserProperties["frame"]);
        Assert.Equal("2026-11-26T16:00:00.250Z", m.UserProperties["captured_at"]);
        Assert.Equal(("64", "48"), (m.UserProperties["width"], m.UserProperties["height"]));
    }

    [Fact]
    public async Task Mqtt_3_1_1_works_and_leaves_out_mqtt5_properties()
    {
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port) with { Protocol = MqttProtocol.V311 });
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Base + "/#");
        var stamp = new FrameStamp(3, DateTimeOffset.UtcNow);
        Assert.True(link.TryPublish(link.Topics.Segmentation, [1, 2, 3], MessageMeta.Image("image/png", stamp, 4, 4)));
        var m = await probe.WaitForAsync(x => x.Topic == link.Topics.Segmentation, Links.Wait);
        Assert.Equal([1, 2, 3], m.Payload);
        Assert.Null(m.ContentType);
        Assert.Empty(m.UserProperties);
        Assert.Equal("3.1.1", link.Counters.Protocol);
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
    }

    [Fact]
    public async Task Retained_state_changes_are_published_at_once_and_the_newest_wins()
    {
        await using var link = await Links.StartedAsync(Links.Options(_broker.Port));
        var state = link.Topics.SettingState("segmentation_hz");
        link.SetRetained(state, "2"u8);
        link.SetRetained(state, "5"u8);
        await Task.Delay(300);
        await using var late = await MqttProbe.StartAsync(_broker.Host, _broker.Port, state);
        var retained = await late.WaitForAsync(m => m.Topic == state, Links.Wait);
        Assert.Equal(("5", true), (retained.Text, retained.Retain));
    }

    [Fact]
    public async Task Subscriptions_receive_set_commands()
    {
        await using var link = new MqttLink(Links.Options(_broker.Port));
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        link.Subscribe(link.Topics.SettingSet("segmentation_hz"), m =>
        {
            received.TrySetResult(Encoding.UTF8.GetString(m.Payload.ToArray()));
            return Task.CompletedTask;
        });
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        await using var sender = new MqttLink(Links.Options(_broker.Port));
        sender.Start();
        Assert.True(await sender.WaitConnectedAsync(Links.Wait));
        Assert.True(sender.TryPublish(link.Topics.SettingSet("segmentation_hz"), "1.5"u8));
        Assert.Equal("1.5", await received.Task.WaitAsync(Links.Wait));
    }

    [Fact]
    public async Task Username_and_password_are_sent_and_wrong_ones_keep_the_link_down()
    {
        await using var secured = await MosquittoBroker.StartAsync(new MosquittoOptions { Credentials = ("edge", "s3cret") });
        await using var good = await Links.StartedAsync(Links.Options(secured.Port) with { Username = "edge", Password = "s3cret" });
        await using var probe = await MqttProbe.StartAsync(secured.Host, secured.Port, good.Topics.Available, ("edge", "s3cret"));
        await probe.WaitForAsync(good.Topics.Available, Availability.Online, Links.Wait);

        await using var bad = await Links.StartedAsync(Links.Options(secured.Port) with { Username = "edge", Password = "wrong" }, waitConnected: false);
        Assert.False(await bad.WaitConnectedAsync(TimeSpan.FromSeconds(1.5)));
        Assert.False(bad.TryPublish(bad.Topics.Drivable, "{}"u8));
        Assert.Equal(1, bad.Counters.DroppedDisconnected);
    }
}
