using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging.Spool;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Messaging.Tests.Mqtt;

/// <summary><see cref="MqttLink.DrainAsync"/>: the clean stop with must-deliver messages still waiting.</summary>
public sealed class MqttLinkDrainTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Pending_messages_are_delivered_in_order_then_stopped_is_retained_without_the_last_will()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var link = await Links.StartedAsync(Links.Options(broker.Port));
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.Base + "/#");
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        for (var i = 0; i < 200; i++)
            Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, System.Text.Encoding.UTF8.GetBytes($"e{i}")));

        var result = await link.DrainAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((0, 0, true), (result.KeptInSpool, result.Lost, result.CleanDisconnect));
        Assert.Equal(0, link.Counters.MustDeliverPending);
        Assert.False(link.TryPublish(link.Topics.Drivable, "{}"u8), "a drained link refuses best-effort messages");
        await probe.WaitForAsync(link.Topics.Available, Availability.Stopped, Links.Wait);
        Assert.Equal(Enumerable.Range(0, 200).Select(i => $"e{i}"), probe.On(link.Topics.DomainShift).Select(m => m.Text));
        await Task.Delay(500); // a Last Will would follow the closed connection at once
        Assert.DoesNotContain(probe.On(link.Topics.Available), m => m.Text == Availability.Offline);
        Assert.Same(link.DrainAsync(TimeSpan.Zero), link.DrainAsync(TimeSpan.Zero));
        await link.DisposeAsync();
    }

    [Fact]
    public async Task With_the_broker_away_the_in_memory_store_reports_its_messages_lost_in_one_line()
    {
        var logs = new LogRecorder();
        await using var link = new MqttLink(Links.Options(FreePort.Next()), logs.For<MqttLink>());
        link.Start();
        for (var i = 0; i < 3; i++)
            Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, "e"u8));

        var result = await link.DrainAsync(TimeSpan.FromSeconds(1));
        Assert.Equal(new DrainResult(0, 0, 3, false), result);
        Assert.Single(logs.Lines, l => l.Text.Contains("3 must-deliver messages lost: no spool.dir"));
    }

    [Fact]
    public async Task With_the_broker_away_the_disk_spool_keeps_them_for_the_next_start()
    {
        var port = FreePort.Next();
        using (var spool = new DiskSpool(new DiskSpoolOptions { Directory = _dir.Path }))
        {
            await using var link = new MqttLink(Links.Options(port, "drain-spool") with { MustDeliverStore = spool });
            link.Start();
            for (var i = 0; i < 3; i++)
                Assert.True(link.EnqueueMustDeliver(link.Topics.DomainShift, System.Text.Encoding.UTF8.GetBytes($"e{i}")));
            Assert.Equal(new DrainResult(0, 3, 0, false), await link.DrainAsync(TimeSpan.FromSeconds(1)));
        }

        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser-test/drain-spool/domain_shift");
        using var again = new DiskSpool(new DiskSpoolOptions { Directory = _dir.Path });
        await using var next = await Links.StartedAsync(Links.Options(port, "drain-spool") with { MustDeliverStore = again });
        await probe.WaitForAsync(next.Topics.DomainShift, "e2", Links.Wait);
        Assert.Equal(["e0", "e1", "e2"], probe.On(next.Topics.DomainShift).Select(m => m.Text));
    }
}
