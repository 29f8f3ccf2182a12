using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MQTTnet.Channel;
using MQTTnet.Exceptions;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Wraps the TCP/TLS channel under MQTTnet's packet reader and watches the fixed header of every packet the broker
/// sends: MQTTnet 5 allocates a packet's whole body as soon as it has read the length (any size up to 256 MB, whatever
/// the protocol version), so a packet longer than the limit ends the connection here, before that allocation.
/// On MQTT 5 the broker knows the limit from CONNECT and never sends more; on 3.1.1 this is the only bound.
/// <see cref="Abort"/> closes the channel under the client (a silently dead link: the reader sees the end of the stream
/// and MQTTnet reports the connection lost).
/// </summary>
internal sealed class PacketSizeGuard(IMqttChannel inner, int maxPacketBytes, Action<long> tooLarge) : IMqttChannel
{
    private HeaderState _state = HeaderState.Type;
    private long _length, _bodyLeft;
    private int _shift, _headerBytes;

    private enum HeaderState
    {
        Type,
        Length,
        Body,
    }

    public X509Certificate2 ClientCertificate => inner.ClientCertificate;
    public EndPoint RemoteEndPoint => inner.RemoteEndPoint;
    public EndPoint LocalEndPoint => inner.LocalEndPoint;
    public bool IsSecureConnection => inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => inner.ConnectAsync(cancellationToken);

    public Task DisconnectAsync(CancellationToken cancellationToken) => inner.DisconnectAsync(cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, isEndOfPacket, cancellationToken);

    public async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        var read = await inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false);
        Inspect(buffer.AsSpan(offset, read));
        return read;
    }

    /// <summary>Closes the connection under the client.</summary>
    public void Abort() => inner.Dispose();

    public void Dispose() => inner.Dispose();

    /// <summary>Follows the packet boundaries through the bytes read: type byte, remaining length (1–4 bytes of 7 bits),
    /// body.</summary>
    private void Inspect(ReadOnlySpan<byte> bytes)
    {
        for (var i = 0; i < bytes.Length;)
            switch (_state)
            {
                case HeaderState.Type:
                    (_state, _length, _shift, _headerBytes) = (HeaderState.Length, 0, 0, 1);
                    i++;
                    break;
                case HeaderState.Length:
                    var b = bytes[i++];
                    _headerBytes++;
                    _length |= (long)(b & 0x7f) << _shift;
                    _shift += 7;
                    if ((b & 0x80) != 0 && _shift < 28)
                        break;
                    var packet = _headerBytes + _length;
                    if ((b & 0x80) != 0 || packet > maxPacketBytes)
                    {
                        tooLarge(packet);
                        throw new MqttCommunicationException(
                            $"the broker sent a packet of {packet} bytes, more than the {maxPacketBytes} allowed " +
                            "(broker.max_packet_kb); connection dropped");
                    }
                    (_bodyLeft, _state) = (_length, _length == 0 ? HeaderState.Type : HeaderState.Body);
                    break;
                default:
                    var take = (int)Math.Min(_bodyLeft, bytes.Length - i);
                    _bodyLeft -= take;
                    i += take;
                    if (_bodyLeft == 0)
                        _state = HeaderState.Type;
                    break;
            }
    }
}
