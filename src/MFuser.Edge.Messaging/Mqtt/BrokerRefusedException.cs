using MQTTnet;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>The broker answered CONNECT with a failure code.</summary>
internal sealed class BrokerRefusedException(MqttClientConnectResultCode code, string? reason)
    : Exception($"broker refused the connection: {code}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}");
