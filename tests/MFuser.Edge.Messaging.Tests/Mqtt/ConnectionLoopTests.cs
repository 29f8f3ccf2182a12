using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Messaging.Tests.Mqtt;

/// <summary>Outages as the log and the counters tell them: one warning per outage, a frozen path noticed by our own
/// pings, and best-effort messages written into it counted as lost, not published.</summary>
public sealed class ConnectionLoopTests
{
    [Fact]
    public async Task A_broker_outage_logs_one_warning_and_one_line_when_it_ends()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var logs = new LogRecorder();
        await using var link = new MqttLink(Links.Options(broker.Port), logs.For<MqttLink>());
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));

        broker.Kill();
        await Links.WaitUntilAsync(() => !link.IsConnected, "the loss was noticed");
        await Task.Delay(1500); // several failed attempts (backoff 100-400 ms)
        await broker.RestartAsync();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));

        var warning = Assert.Single(logs.AtLeast(LogLevel.Warning));
        Assert.Contains("lost", warning.Text);
        Assert.Single(logs.Lines, l => l.Level == LogLevel.Information && l.Text.Contains("after an outage of"));
        Assert.Contains(logs.Lines, l => l.Level == LogLevel.Debug && l.Text.Contains("attempt"));
    }

    [Fact]
    public async Task Messages_written_into_a_frozen_connection_count_as_lost_and_must_deliver_ones_arrive_after_it_heals()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        await using var link = await Links.StartedAsync(Links.Options(proxy.Port) with { KeepAlive = TimeSpan.FromSeconds(2) });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Base + "/#");
        for (var i = 0; i < 5; i++)
            Assert.True(link.TryPublish(link.Topics.Drivable, "{}"u8));
        await Links.WaitUntilAsync(() => link.Counters is { Unconfirmed: 0, Sent: 5 }, "the first messages were confirmed");
        var published = link.Counters.Published;

        proxy.Blackhole(); // no RST, no FIN: only our pings can tell
        var accepted = Enumerable.Range(0, 20).Count(_ => link.TryPublish(link.Topics.Drivable, "{}"u8));
        Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "during the partition"u8));
        await Links.WaitUntilAsync(() => link.Counters is var c && c.Lost + c.DroppedDisconnected + c.DroppedFailed == accepted,
            "every message accepted during the partition is accounted for as lost or dropped");

        var c = link.Counters;
        Assert.False(c.Connected);
        Assert.Equal(1, c.DeadLinks);
        Assert.Equal(published, c.Published);
        Assert.True(c.Lost > 0, "messages written into the frozen connection are lost, not published");
        proxy.Blackhole(false);
        await probe.WaitForAsync(link.Topics.DomainShift, "during the partition", Links.Wait);
        await probe.WaitForAsync(m => m.Topic == link.Topics.Available && m.Text == Availability.Online, Links.Wait);
    }
}
