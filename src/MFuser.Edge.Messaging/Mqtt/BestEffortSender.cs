using System.Buffers;
using System.Text;
using System.Threading.Channels;
using MFuser.Edge.Core.Payloads;
using MQTTnet;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Best-effort (QoS 0) messages: a bounded queue between the caller and one sender task. <see cref="TryEnqueue"/> copies
/// the payload into a pooled buffer and never waits; while disconnected, when the queue is full, or when a message is
/// larger than the broker accepts, the message is dropped and counted. Each message written is only <em>sent</em> until
/// the liveness monitor's next round trip confirms it (<see cref="LinkCounters"/>).
/// </summary>
internal sealed class BestEffortSender
{
    private readonly LinkSession _session;
    private readonly Channel<Outgoing> _queue;
    private readonly PayloadPool _pool;
    private readonly Action _sent;
    private volatile bool _closed;

    /// <param name="sent">Called after each message is written (asks for a confirming round trip).</param>
    public BestEffortSender(LinkSession session, Action sent)
    {
        _session = session;
        _sent = sent;
        _pool = new PayloadPool(session.Options.QueueCapacity + 2);
        _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(session.Options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: we drop and count, never wait
            SingleReader = true,
        });
    }

    /// <summary>Messages waiting now.</summary>
    public int Depth => _queue.Reader.Count;

    /// <summary>Queues a copy of the message; false when it was dropped (counted).</summary>
    public bool TryEnqueue(string topic, ReadOnlySpan<byte> payload, in MessageMeta meta)
    {
        if (!_session.Connected || _closed)
        {
            _session.Counters.Count(LinkEvent.DroppedDisconnected);
            return false;
        }
        var buffer = _pool.Rent(payload.Length);
        payload.CopyTo(buffer);
        if (_queue.Writer.TryWrite(new Outgoing(topic, buffer, payload.Length, meta)))
            return true;
        _pool.Return(buffer);
        _session.Counters.Count(_closed ? LinkEvent.DroppedDisconnected : LinkEvent.DroppedQueueFull);
        return false;
    }

    /// <summary>Refuses new messages; the sender ends once the queue is empty.</summary>
    public void Close()
    {
        _closed = true;
        _queue.Writer.TryComplete();
    }

    /// <summary>Sends the queued messages one at a time, reusing one application message object (the client turns it
    /// into its own packet before the await returns). The queue is waited on without a cancellation token, which lets
    /// the channel reuse its waiter instead of allocating one per wait; <see cref="Close"/> ends the wait.</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        var reader = _queue.Reader;
        var message = new MqttApplicationMessage { QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce };
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out var m))
                {
                    var dropped = Unsendable(m);
                    if (dropped is null)
                        try
                        {
                            message.Topic = m.Topic;
                            message.Payload = new ReadOnlySequence<byte>(m.Buffer, 0, m.Length);
                            SetMeta(message, _session.IsMqtt5 ? m.Meta : default);
                            await _session.Client.PublishAsync(message, ct).ConfigureAwait(false);
                        }
                        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                        {
                            dropped = LinkEvent.DroppedFailed;
                        }
                    _pool.Return(m.Buffer); // before counting, so a caller that waits for the count finds the buffer free
                    if (dropped is { } reason)
                        _session.Counters.Count(reason);
                    else
                    {
                        _session.Counters.Sent();
                        _sent();
                    }
                }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            while (reader.TryRead(out var m))
            {
                _pool.Return(m.Buffer);
                _session.Counters.Count(LinkEvent.DroppedDisconnected);
            }
        }
    }

    /// <summary>Why <paramref name="m"/> cannot be sent now (disconnected, or larger than the broker accepts); null
    /// when it can.</summary>
    private LinkEvent? Unsendable(in Outgoing m)
    {
        if (!_session.Connected)
            return LinkEvent.DroppedDisconnected;
        var properties = _session.IsMqtt5 && m.Meta != default ? Deliverability.PropertyAllowance : 0;
        return Deliverability.PacketBytes(Encoding.UTF8.GetByteCount(m.Topic), m.Length, properties) > _session.BrokerMaxPacket
            ? LinkEvent.DroppedTooLarge
            : null;
    }

    /// <summary>The MQTT 5 content type and user properties of <paramref name="meta"/> (none for default meta): plain
    /// messages such as <c>drivable</c> allocate nothing here; image messages (rate-limited) get their own
    /// user-property list, since MQTTnet's properties are immutable objects.</summary>
    private static void SetMeta(MqttApplicationMessage message, in MessageMeta meta)
    {
        message.ContentType = meta.ContentType;
        if (meta.Frame is null && meta.Width <= 0 && meta.Height <= 0)
        {
            message.UserProperties = null;
            return;
        }
        var properties = new List<MqttUserProperty>(4);
        if (meta.Frame is { } frame)
        {
            properties.Add(new MqttUserProperty("frame", Utf8Number(frame.Frame)));
            var time = new byte[Rfc3339.Length];
            properties.Add(new MqttUserProperty("captured_at", time.AsMemory(0, Rfc3339.Format(frame.CapturedAt, time))));
        }
        if (meta.Width > 0)
            properties.Add(new MqttUserProperty("width", Utf8Number(meta.Width)));
        if (meta.Height > 0)
            properties.Add(new MqttUserProperty("height", Utf8Number(meta.Height)));
        message.UserProperties = properties;
    }

    private static ReadOnlyMemory<byte> Utf8Number(long value)
    {
        var bytes = new byte[20];
        return bytes.AsMemory(0, System.Buffers.Text.Utf8Formatter.TryFormat(value, bytes, out var written) ? written : 0);
    }

    private readonly record struct Outgoing(string Topic, byte[] Buffer, int Length, MessageMeta Meta);
}
