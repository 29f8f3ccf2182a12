using MFuser.Edge.Client.Ros;
using MQTTnet;

namespace MFuser.Edge.Client.Tests.Docs;

/// <summary>The converter of docs/ros2.md, compiled and run against the daemon here (the text between the markers is
/// the page's code block, checked by <see cref="DocExampleTests"/>).</summary>
internal static class RosBridgeExample
{
    public static async Task RunAsync(string host, int port, string device, CancellationToken stop)
    {
        // docs-example-begin
        // Re-publishes the device's free space and class-id maps as ROS 2 message JSON for mqtt_client (json: true).
        using var mqtt = new MqttClientFactory().CreateMqttClient();
        await mqtt.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer(host, port).WithClientId($"mfuser-ros-json-{device}").Build(), stop);
        var outbox = System.Threading.Channels.Channel.CreateBounded<(string Topic, byte[] Json)>(
            new System.Threading.Channels.BoundedChannelOptions(8) { FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest });

        await using var edge = new EdgeClient(new EdgeClientOptions { Host = host, Port = port, DeviceId = device });
        edge.DrivableReceived += d =>
        {
            if (d.ToLaserScan(frameId: "mfuser_ground") is { } scan)
                outbox.Writer.TryWrite(($"mfuser/{device}/ros/scan", RosJson.LaserScan(scan)));
        };
        edge.SegmentationReceived += map =>
            outbox.Writer.TryWrite(($"mfuser/{device}/ros/labels", RosJson.Image(MonoImage.From(map, frameId: "mfuser_camera_optical"))));
        await edge.ConnectAsync(stop);

        await foreach (var (topic, json) in outbox.Reader.ReadAllAsync(stop))
            if (mqtt.IsConnected)
                await mqtt.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(json).Build(), stop);
        // docs-example-end
    }
}
