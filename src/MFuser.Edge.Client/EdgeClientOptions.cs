using MQTTnet;

namespace MFuser.Edge.Client;

/// <summary>Where the broker is and which device to follow.</summary>
public sealed record EdgeClientOptions
{
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 1883;

    /// <summary>The daemon's <c>device_id</c>: the last level of its base topic.</summary>
    public required string DeviceId { get; init; }

    /// <summary>The daemon's <c>broker.topic_prefix</c>.</summary>
    public string TopicPrefix { get; init; } = "mfuser";

    /// <summary>Also subscribe to the segmentation PNGs (they are the largest messages; off when nobody needs maps).</summary>
    public bool Segmentation { get; init; } = true;

    /// <summary>Adds TLS, credentials or anything else MQTTnet offers to the connection options.</summary>
    public Action<MqttClientOptionsBuilder>? Configure { get; init; }

    /// <summary>Longest wait between reconnect attempts after the broker connection is lost.</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(30);

    internal string BaseTopic => $"{TopicPrefix}/{DeviceId}";
}
