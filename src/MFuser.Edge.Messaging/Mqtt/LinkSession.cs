using MFuser.Edge.Messaging.Diagnostics;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>What the parts of one <see cref="MqttLink"/> share: the client and its transport, the options, the
/// counters, the loggers, and the state of the current connection (up or not, protocol, the broker's packet limit).</summary>
internal sealed class LinkSession
{
    private volatile bool _connected;
    private volatile string? _protocol;
    private long _brokerMaxPacket = Deliverability.MqttMaxPacket;

    public LinkSession(MqttLinkOptions options, ILogger log)
    {
        Options = options;
        Topics = new MqttTopics(options.BaseTopic);
        Log = log;
        Warnings = new RateLimitedLog(log);
        Transport = new GuardedAdapterFactory(options.MaxPacketBytes, _ => Counters.Count(LinkEvent.InboundTooLarge));
        Client = new MqttClientFactory().CreateMqttClient(Transport);
        Endpoint = $"{(options.UseTls ? "mqtts" : "mqtt")}://{options.Host}:{options.Port}";
    }

    public MqttLinkOptions Options { get; }
    public MqttTopics Topics { get; }
    public IMqttClient Client { get; }
    public GuardedAdapterFactory Transport { get; }
    public LinkCounters Counters { get; } = new();
    public ILogger Log { get; }

    /// <summary>Warnings that input or the broker can trigger at any rate.</summary>
    public RateLimitedLog Warnings { get; }

    /// <summary>The broker, e.g. <c>mqtts://host:8883</c>, for log lines.</summary>
    public string Endpoint { get; }

    /// <summary>True while connected and the retained state has been republished.</summary>
    public bool Connected
    {
        get => _connected;
        set => _connected = value;
    }

    /// <summary>The protocol of the current (or last) connection: <c>5.0</c>, <c>3.1.1</c>, null before the first.</summary>
    public string? Protocol => _protocol;

    /// <summary>True when the current connection speaks MQTT 5 (content types and user properties are sent).</summary>
    public bool IsMqtt5 => _protocol == "5.0";

    /// <summary>Largest packet the broker accepts from us (its CONNACK Maximum Packet Size; MQTT's limit without one).</summary>
    public long BrokerMaxPacket => Interlocked.Read(ref _brokerMaxPacket);

    /// <summary>Records what the broker's CONNACK said about the new connection.</summary>
    public void Negotiated(MqttProtocolVersion version, uint? brokerMaxPacket)
    {
        _protocol = version == MqttProtocolVersion.V500 ? "5.0" : "3.1.1";
        Interlocked.Exchange(ref _brokerMaxPacket, brokerMaxPacket is { } max && max > 0 ? max : Deliverability.MqttMaxPacket);
    }
}
