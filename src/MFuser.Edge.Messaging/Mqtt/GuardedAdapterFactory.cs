using MQTTnet;
using MQTTnet.Adapter;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Formatter;
using MQTTnet.Implementations;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>MQTTnet's TCP/TLS channel adapter with a <see cref="PacketSizeGuard"/> between the socket and the packet
/// reader; keeps the current connection's guard so the link can abort a dead connection.</summary>
internal sealed class GuardedAdapterFactory(int maxPacketBytes, Action<long> tooLarge) : IMqttClientAdapterFactory
{
    private PacketSizeGuard? _current;

    public IMqttChannelAdapter CreateClientAdapter(MqttClientOptions options, MqttPacketInspector packetInspector, IMqttNetLogger logger)
    {
        var guard = new PacketSizeGuard(new MqttTcpChannel(options), maxPacketBytes, tooLarge);
        Volatile.Write(ref _current, guard);
        var formatter = new MqttPacketFormatterAdapter(options.ProtocolVersion,
            new MqttBufferWriter(options.WriterBufferSize, options.WriterBufferSizeMax));
        return new MqttChannelAdapter(guard, formatter, logger)
        {
            AllowPacketFragmentation = options.AllowPacketFragmentation,
            PacketInspector = packetInspector,
        };
    }

    /// <summary>Closes the current connection's socket under the client, which then reports the connection lost.</summary>
    public void AbortCurrent() => Volatile.Read(ref _current)?.Abort();
}
