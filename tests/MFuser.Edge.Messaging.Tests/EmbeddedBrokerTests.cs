using System.Net;
using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace MFuser.Edge.Messaging.Tests;

public sealed class EmbeddedBrokerTests
{
    [Fact]
    public async Task Round_trip_through_the_embedded_broker()
    {
        await using var broker = await EmbeddedBroker.StartAsync(0);
        Assert.Equal($"mqtt://127.0.0.1:{broker.Port}", broker.Uri);
        var link = await Links.StartedAsync(Links.Options(broker.Port));
        await using var probe = await MqttProbe.StartAsync("127.0.0.1", broker.Port, link.Topics.Base + "/#");
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        Assert.True(link.TryPublish(link.Topics.Drivable, "{\"frame\":9}"u8));
        await probe.WaitForAsync(link.Topics.Drivable, "{\"frame\":9}", Links.Wait);
        await link.DisposeAsync();
        await probe.WaitForAsync(link.Topics.Available, Availability.Stopped, Links.Wait);
    }

    [Fact]
    public async Task An_mqtt5_client_without_an_identifier_is_given_one_as_by_standard_brokers()
    {
        // mosquitto_pub sends no client identifier by default: the README's watch command must work on the demo broker.
        const string protocol = "mqttv5";
        await using var broker = await EmbeddedBroker.StartAsync(0);
        var psi = new System.Diagnostics.ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", broker.Port.ToString(), "-V", protocol, "-t", "mfuser/test", "-m", "x"])
        { RedirectStandardError = true, RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(psi)!;
        var stderr = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        Assert.True(p.ExitCode == 0, $"mosquitto_pub -V {protocol} failed ({p.ExitCode}): {stderr}");
    }

    [Fact]
    public async Task What_a_local_client_makes_the_broker_hold_is_bounded()
    {
        // Any process on the machine may publish to the demo broker, which lives in the daemon's own memory.
        await using var broker = await EmbeddedBroker.StartAsync(0);
        await using var probe = await MqttProbe.StartAsync("127.0.0.1", broker.Port, "junk/#");
        using var client = new MqttClientFactory().CreateMqttClient();
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", broker.Port).Build());
        Task<MqttClientPublishResult> Publish(string topic, byte[] payload, bool retain = false) =>
            client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithRetainFlag(retain)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        var big = await Publish("junk/big", new byte[BrokerBudget.MaxMessageBytes + 1], retain: true);
        Assert.Equal(MqttClientPublishReasonCode.QuotaExceeded, big.ReasonCode);
        for (var i = 0; i < BrokerBudget.MaxRetainedTopics; i++)
            await Publish($"junk/r{i}", "x"u8.ToArray(), retain: true);
        await Publish("junk/one-too-many", "x"u8.ToArray(), retain: true);
        await probe.WaitForAsync(m => m.Topic == "junk/one-too-many", Links.Wait); // delivered, only not retained
        Assert.Equal((1, 1), (broker.RefusedMessages, broker.NotRetained));
        Assert.DoesNotContain(probe.Messages, m => m.Topic == "junk/big");

        await Publish("junk/r0", [], retain: true); // clearing one makes room again
        await Publish("junk/last", "x"u8.ToArray(), retain: true);
        await using var late = await MqttProbe.StartAsync("127.0.0.1", broker.Port, "junk/#");
        await late.WaitForAsync(m => m.Topic == "junk/last", Links.Wait);
        await late.WaitForAsync(m => m.Topic == "junk/r999", Links.Wait);
        Assert.DoesNotContain(late.Messages, m => m.Topic is "junk/one-too-many" or "junk/r0" or "junk/big");
        Assert.Equal(1, broker.NotRetained);
    }

    [Fact]
    public async Task A_busy_port_is_reported_with_its_number()
    {
        await using var first = await EmbeddedBroker.StartAsync(0);
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => EmbeddedBroker.StartAsync(first.Port));
        Assert.Contains($"cannot listen on 127.0.0.1:{first.Port}", e.Message);
    }

    [Fact]
    public async Task Falls_back_to_mqtt_3_1_1_when_the_broker_refuses_mqtt_5()
    {
        // A broker that speaks only 3.1.1 (MQTTnet server told to refuse protocol level 5, as a 3.1.1-only broker does).
        var port = FreePort.Next();
        var options = new MqttServerOptionsBuilder().WithDefaultEndpoint().WithDefaultEndpointBoundIPAddress(IPAddress.Loopback)
            .WithDefaultEndpointPort(port).Build();
        using var server = new MqttServerFactory().CreateMqttServer(options);
        server.ValidatingConnectionAsync += e =>
        {
            if (e.ProtocolVersion == MqttProtocolVersion.V500)
                e.ReasonCode = MqttConnectReasonCode.UnsupportedProtocolVersion;
            return Task.CompletedTask;
        };
        await server.StartAsync();
        try
        {
            await using var link = await Links.StartedAsync(Links.Options(port));
            Assert.Equal("3.1.1", link.Counters.Protocol);
            Assert.True(link.TryPublish(link.Topics.Drivable, "{}"u8));
        }
        finally
        {
            await server.StopAsync();
        }
    }
}
