using System.Diagnostics;
using MFuser.TestSupport;

namespace MFuser.Edge.Messaging.Tests.Mqtt;

/// <summary>A 50 MB payload on a control topic is never buffered: MQTT 5 announces our Maximum Packet Size so the
/// broker does not send it; on 3.1.1 the packet guard drops the connection at the packet's header.</summary>
public sealed class PacketSizeGuardTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(MqttProtocol.V500)]
    [InlineData(MqttProtocol.V311)]
    public async Task A_50_MB_control_payload_is_not_delivered_and_later_control_messages_still_are(MqttProtocol protocol)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var link = new MqttLink(Links.Options(broker.Port) with { Protocol = protocol, MaxPacketBytes = 64 * 1024 });
        var received = new List<int>();
        link.Subscribe(link.Topics.Base + "/cmd/+", m =>
        {
            lock (received)
                received.Add((int)m.Payload.Length);
            return Task.CompletedTask;
        });
        link.Start();
        Assert.True(await link.WaitConnectedAsync(Links.Wait));
        var huge = _dir.File("huge.bin");
        await File.WriteAllBytesAsync(huge, new byte[50 << 20]);
        var small = _dir.File("small.json");
        await File.WriteAllTextAsync(small, "{}");
        var topic = link.Topics.Base + "/cmd/snapshot";

        await Publish(broker.Port, topic, huge);
        await Publish(broker.Port, topic, small);
        if (protocol == MqttProtocol.V311)
        {
            await Links.WaitUntilAsync(() => link.Counters.InboundTooLarge == 1, "the guard refused the packet");
            Assert.True(await link.WaitConnectedAsync(Links.Wait), "the link reconnects");
            await Publish(broker.Port, topic, small); // the one above may have been lost with the connection
        }
        await Links.WaitUntilAsync(() => { lock (received) return received.Contains(2); }, "a small control message arrived");
        lock (received)
            Assert.DoesNotContain(50 << 20, received);
        Assert.Equal("5.0" == link.Counters.Protocol ? 0 : 1, link.Counters.Reconnects);
    }

    /// <summary>Publishes a file's bytes at QoS 1 with mosquitto_pub (MQTT 5), as an outside publisher would.</summary>
    private static async Task Publish(int port, string topic, string file)
    {
        using var p = Process.Start(new ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", port.ToString(), "-V", "mqttv5", "-q", "1", "-t", topic, "-f", file]) { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        Assert.Equal(0, p.ExitCode);
    }
}
