using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// The link's retained topics (<c>available</c>, <c>info</c>, setting states): the latest value of each, published
/// (QoS 1, retained) when it changes while connected and all again after every reconnect, <c>available</c> last.
/// Publishing is serialised, so a stale value never overtakes a newer one. A value the broker can never take
/// (larger than it accepts) or refuses in its PUBACK is counted and warned about once per topic.
/// </summary>
internal sealed class RetainedState(LinkSession session)
{
    private readonly ConcurrentDictionary<string, byte[]> _values = new(StringComparer.Ordinal);
    private readonly Channel<string> _changed = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _publishing = new(1, 1);

    /// <summary>Sets the value of <paramref name="topic"/>; published now if connected, and after every reconnect.</summary>
    public void Set(string topic, ReadOnlySpan<byte> payload)
    {
        Preset(topic, payload);
        _changed.Writer.TryWrite(topic);
    }

    /// <summary>Sets the value of <paramref name="topic"/> without publishing it now: it goes out with the next
    /// (re)connect or an explicit <see cref="PublishAsync"/>.</summary>
    public void Preset(string topic, ReadOnlySpan<byte> payload) => _values[topic] = payload.ToArray();

    /// <summary>Publishes every value, <c>available</c> last (after a connect).</summary>
    public async Task RepublishAllAsync(CancellationToken ct)
    {
        var available = session.Topics.Available;
        foreach (var topic in _values.Keys.Where(t => t != available).Order(StringComparer.Ordinal).ToList())
            await PublishAsync(topic, ct).ConfigureAwait(false);
        await PublishAsync(available, ct).ConfigureAwait(false);
    }

    /// <summary>Publishes changes while connected (until <paramref name="ct"/> is cancelled).</summary>
    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var topic in _changed.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (!session.Connected)
                    continue; // republished on connect
                try
                {
                    await PublishAsync(topic, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    session.Log.LogDebug("MQTT: retained {Topic} not published now ({Error}); republished on reconnect", topic, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Publishes the current value of <paramref name="topic"/> (QoS 1, retained).</summary>
    public async Task PublishAsync(string topic, CancellationToken ct)
    {
        await _publishing.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_values.TryGetValue(topic, out var payload))
                return;
            if (Deliverability.SizeProblem(topic, payload.Length, 0, session.BrokerMaxPacket) is { } tooLarge)
            {
                session.Counters.Count(LinkEvent.DeadLettered);
                session.Warnings.Once(LogLevel.Warning, "retained-undeliverable", "retained-size:" + topic,
                    "MQTT: retained {Topic} not published: {Problem}", topic, tooLarge);
                return;
            }
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build();
            var sentMark = session.Counters.SentMark;
            var result = await session.Client.PublishAsync(message, ct).ConfigureAwait(false);
            if (result.IsSuccess)
                session.Counters.Acknowledged(sentMark);
            else
            {
                session.Counters.Count(LinkEvent.RefusedByBroker);
                session.Warnings.Once(LogLevel.Warning, "retained-refused", "retained-refused:" + topic,
                    "MQTT: the broker refused retained {Topic}: {Reason} (check its ACL; warned once per topic)", topic, result.ReasonCode);
            }
        }
        finally
        {
            _publishing.Release();
        }
    }
}
