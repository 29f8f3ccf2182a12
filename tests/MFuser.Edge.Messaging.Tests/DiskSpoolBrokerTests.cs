using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;
using MFuser.TestSupport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>
/// Must-deliver messages through <see cref="MqttLink"/> with a <see cref="DiskSpool"/> against a real mosquitto that
/// is killed and restarted, and across a restart of the link and its spool. The test broker runs without persistence,
/// so after a broker restart the subscriber's persistent session is gone; the link is kept away from the new broker
/// (through a TCP proxy) until the subscriber has re-subscribed — otherwise the broker itself would discard what the
/// link delivered in between, which is not what these tests measure.
/// </summary>
public sealed class DiskSpoolBrokerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), $"mfuser-spool-{Guid.NewGuid():N}");

    public void Dispose()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    private DiskSpool OpenSpool() => new(new DiskSpoolOptions { Directory = _dir });

    private static byte[] Event(int id) => Encoding.UTF8.GetBytes($$"""{"event":"update","event_id":"ep/{{id}}","seq":{{id}}}""");

    [Fact]
    public async Task Broker_killed_and_restarted_during_a_stream_loses_no_event_and_keeps_order()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var proxy = new TcpProxy(broker.Port);
        proxy.Start();
        using var spool = OpenSpool();
        await using var link = new MqttLink(Links.Options(proxy.Port) with { MustDeliverStore = spool }, new OutputLogger(output));
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        var topic = link.Topics.DomainShift;
        await using var subscriber = await PersistentSubscriber.ConnectAsync(broker, topic);

        var produced = 0;
        using var stop = new CancellationTokenSource();
        var producer = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                Assert.True(link.EnqueueMustDeliver(topic, Event(produced)), $"event {produced} refused");
                produced++;
                await Task.Delay(15); // ~50 events/s, far above real episode rates; each add and ack costs an fsync

            }
        });
        var maxSpooled = 0;
        var timings = new List<string>();
        for (var cycle = 0; cycle < 4; cycle++)
        {
            await Task.Delay(300);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} cycle {cycle}: cut");
            // The link loses its connection abruptly (RST) mid-stream and the broker is SIGKILLed right after. (Killing
            // the broker first would let mosquitto, which runs without persistence, drop messages it had already
            // acknowledged but not yet forwarded to the subscriber: a broker property, not the link's.)
            proxy.StopListening();
            proxy.SeverAll();
            broker.Kill();
            await Task.Delay(400);
            maxSpooled = Math.Max(maxSpooled, spool.Count);
            await broker.RestartAsync();
            await subscriber.ReconnectAsync();
            var up = Stopwatch.StartNew();
            proxy.Start();
            Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(10)), $"cycle {cycle}: the link did not reconnect");
            var connected = up.Elapsed.TotalMilliseconds;
            while (spool.Count > 5 && up.Elapsed < TimeSpan.FromSeconds(10))
                await Task.Delay(5);
            output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} cycle {cycle}: drained");
            timings.Add($"{connected:0}/{up.Elapsed.TotalMilliseconds:0} ms");
        }
        await stop.CancelAsync();
        await producer;
        var total = produced;
        await producer;
        var ids = await subscriber.WaitForIdsAsync(total, TimeSpan.FromSeconds(20));
        output.WriteLine($"{total} events; max spooled during an outage: {maxSpooled}; broker up → link connected / backlog sent: {string.Join(", ", timings)}; " +
                         $"received {ids.Count} (duplicates {ids.Count - ids.Distinct().Count()}); reconnects {link.Counters.Reconnects}");

        Assert.True(maxSpooled > 10, $"the outages should have spooled events, at most {maxSpooled} were");
        var missing = Enumerable.Range(0, total).Except(ids).ToList();
        Assert.True(missing.Count == 0, $"missing {string.Join(", ", missing)}; spool holds {spool.Count}");
        var firstSeen = ids.Distinct().ToList(); // order of first arrival
        Assert.Equal(Enumerable.Range(0, total), firstSeen);
        Assert.Equal(4, link.Counters.Reconnects);
        Assert.Equal(0, link.Counters.MustDeliverRefused);
        Assert.Equal(0, spool.Count);
    }

    [Fact]
    public async Task A_new_link_over_the_same_spool_directory_drains_what_the_last_run_left()
    {
        const int total = 50;
        var port = FreePort.Next();
        var options = Links.Options(port);
        using (var spool = OpenSpool())
        {
            await using var down = await Links.StartedAsync(options with { MustDeliverStore = spool }, waitConnected: false);
            for (var i = 0; i < total; i++)
                Assert.True(down.EnqueueMustDeliver(down.Topics.DomainShift, Event(i)));
            await down.StopAsync();
            Assert.Equal(total, spool.Count);
        }

        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var subscriber = await PersistentSubscriber.ConnectAsync(broker, options.BaseTopic + "/domain_shift");
        using (var spool = OpenSpool())
        {
            Assert.Equal(total, spool.Recovered);
            await using var link = await Links.StartedAsync(options with { MustDeliverStore = spool });
            var ids = await subscriber.WaitForIdsAsync(total, TimeSpan.FromSeconds(10));
            Assert.Equal(Enumerable.Range(0, total), ids.Distinct());
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while (spool.Count > 0 && DateTime.UtcNow < deadline)
                await Task.Delay(10);
            Assert.Equal(0, spool.Count);
        }
        using (var spool = OpenSpool())
            Assert.Equal(0, spool.Recovered); // acknowledged ones are not sent again by a third run
    }

    /// <summary>A subscriber with a persistent session (clean start false, session expiry 5 min) that records the
    /// <c>seq</c> of every event it receives, duplicates included, in arrival order.</summary>
    private sealed class PersistentSubscriber : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly List<int> _ids = [];
        private readonly MqttClientOptions _options;
        private readonly string _topic;

        private PersistentSubscriber(MosquittoBroker broker, string topic)
        {
            _topic = topic;
            _options = new MqttClientOptionsBuilder()
                .WithTcpServer(broker.Host, broker.Port)
                .WithProtocolVersion(MqttProtocolVersion.V500)
                .WithClientId($"spool-sub-{Guid.NewGuid():N}")
                .WithCleanStart(false)
                .WithSessionExpiryInterval(300)
                .Build();
            _client.ApplicationMessageReceivedAsync += e =>
            {
                using var doc = JsonDocument.Parse(e.ApplicationMessage.Payload);
                lock (_ids)
                    _ids.Add(doc.RootElement.GetProperty("seq").GetInt32());
                return Task.CompletedTask;
            };
        }

        public static async Task<PersistentSubscriber> ConnectAsync(MosquittoBroker broker, string topic)
        {
            var s = new PersistentSubscriber(broker, topic);
            await s.ReconnectAsync();
            return s;
        }

        /// <summary>Connects again; subscribes when the broker has no session for us (first time, or a broker
        /// restarted without persistence).</summary>
        public async Task ReconnectAsync()
        {
            var result = await _client.ConnectAsync(_options);
            if (!result.IsSessionPresent)
                await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_topic, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        }

        public async Task<List<int>> WaitForIdsAsync(int distinct, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (true)
            {
                List<int> ids;
                lock (_ids)
                    ids = _ids.ToList();
                if (ids.Distinct().Count() >= distinct || DateTime.UtcNow > deadline)
                    return ids;
                await Task.Delay(20);
            }
        }

        public async ValueTask DisposeAsync()
        {
            try
            {
                if (_client.IsConnected)
                    await _client.DisconnectAsync();
            }
            catch (Exception)
            {
                // the broker may be gone
            }
            _client.Dispose();
        }
    }

    private sealed class OutputLogger(ITestOutputHelper output) : Microsoft.Extensions.Logging.ILogger<MqttLink>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            try { output.WriteLine($"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel}: {formatter(state, exception)}"); } catch (InvalidOperationException) { }
        }
    }
}
