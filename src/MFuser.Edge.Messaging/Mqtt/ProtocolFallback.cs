using MQTTnet;
using MQTTnet.Formatter;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Which protocol version to offer: the configured one, or with <see cref="MqttProtocol.Auto"/> MQTT 5 until a broker
/// refuses the protocol itself, then 3.1.1 for the rest of the run. Only a CONNACK that refuses the protocol version
/// counts — never a TCP, TLS, credential or timeout failure, which 3.1.1 would not fix.
/// </summary>
internal sealed class ProtocolFallback(MqttProtocol configured)
{
    /// <summary>What MQTTnet reports for a 3.1.1-only broker's answer to an MQTT 5 CONNECT: the 3.1.1 CONNACK return
    /// code 0x01 "unacceptable protocol version", read as if it were an MQTT 5 reason code (mosquitto 1.x does this).</summary>
    private const MqttClientConnectResultCode Mqtt311UnacceptableProtocolVersion = (MqttClientConnectResultCode)1;

    private MqttProtocolVersion? _settled;

    /// <summary>The version to offer next.</summary>
    public MqttProtocolVersion Next => _settled ?? (configured == MqttProtocol.V311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500);

    /// <summary>True when a broker that answered an offer of <paramref name="offered"/> with <paramref name="code"/>
    /// should be offered 3.1.1 instead.</summary>
    public bool ShouldFallBack(MqttProtocolVersion offered, MqttClientConnectResultCode code) =>
        configured == MqttProtocol.Auto && _settled is null && offered == MqttProtocolVersion.V500 &&
        code is MqttClientConnectResultCode.UnsupportedProtocolVersion or Mqtt311UnacceptableProtocolVersion;

    /// <summary>A connection with <paramref name="version"/> succeeded: keep offering it.</summary>
    public void Settle(MqttProtocolVersion version) => _settled = version;
}
