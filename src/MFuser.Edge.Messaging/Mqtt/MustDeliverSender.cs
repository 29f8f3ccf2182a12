using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Must-deliver (QoS 1) messages: sends the must-deliver store's oldest message while connected and removes it after
/// the broker's PUBACK, so nothing is lost to a connection that dies in flight (at-least-once). One rule keeps a
/// message that can never be delivered from blocking the ones behind it: it is <em>dead-lettered</em> — removed,
/// counted (<see cref="LinkEvent.DeadLettered"/>) and logged (rate-limited) — when its topic is invalid or too long,
/// when it is larger than the broker or our own limit accepts (refused up front by <see cref="TryAdd"/> where that is
/// already known), when the broker refuses it in its PUBACK (e.g. not authorized; also counted as
/// <see cref="LinkEvent.RefusedByBroker"/>), or when sending it fails <see cref="MaxAttempts"/> times while the
/// connection stays up.
/// </summary>
internal sealed class MustDeliverSender(LinkSession session, IMustDeliverStore store)
{
    /// <summary>Send failures on a live connection before a message is dead-lettered.</summary>
    public const int MaxAttempts = 3;

    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _delivered;

    /// <summary>Messages waiting for the broker.</summary>
    public int Pending => store.Count;

    /// <summary>Messages the broker acknowledged since start.</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>True when messages left at shutdown are kept for the next start.</summary>
    public bool SurvivesRestart => store.SurvivesRestart;

    /// <summary>Hands a message to the store. False when it can never be delivered (dead-lettered) or the store is full
    /// (counted as <see cref="LinkEvent.MustDeliverRefused"/>).</summary>
    public bool TryAdd(string topic, ReadOnlySpan<byte> payload, bool retain)
    {
        var problem = Deliverability.TopicProblem(topic) ??
                      (payload.Length > session.Options.MaxMustDeliverBytes
                          ? $"a payload of {payload.Length} bytes is more than the {session.Options.MaxMustDeliverBytes} allowed"
                          : null);
        if (problem is not null)
        {
            DeadLetter(topic, problem);
            return false;
        }
        if (!store.TryAdd(new MustDeliverMessage(topic, payload.ToArray(), retain)))
        {
            session.Counters.Count(LinkEvent.MustDeliverRefused);
            return false;
        }
        Wake();
        return true;
    }

    /// <summary>Sends what is waiting (after a connect, or when a message was added).</summary>
    public void Wake() => _wake.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken ct)
    {
        try
        {
            while (await _wake.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                _wake.Reader.TryRead(out _);
                await SendWaitingAsync(ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task SendWaitingAsync(CancellationToken ct)
    {
        var attempts = 0;
        while (session.Connected && store.TryPeek(out var m))
        {
            if ((Deliverability.TopicProblem(m.Topic) ??
                Deliverability.SizeProblem(m.Topic, m.Payload.Length, 0, session.BrokerMaxPacket)) is { } problem)
            {
                store.RemoveOldest();
                DeadLetter(m.Topic, problem);
                continue;
            }
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(m.Topic)
                .WithPayload(m.Payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag(m.Retain)
                .Build();
            var sentMark = session.Counters.SentMark;
            MqttClientPublishResult result;
            try
            {
                result = await session.Client.PublishAsync(message, ct).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                if (!session.Client.IsConnected)
                    return; // kept in the store; sent again after the reconnect
                if (++attempts < MaxAttempts)
                {
                    await Task.Delay(session.Options.ReconnectMin, ct).ConfigureAwait(false);
                    continue;
                }
                store.RemoveOldest();
                DeadLetter(m.Topic, $"sending failed {attempts} times on a live connection: {e.Message}");
                attempts = 0;
                continue;
            }
            attempts = 0;
            store.RemoveOldest();
            if (result.IsSuccess)
            {
                session.Counters.Acknowledged(sentMark);
                Interlocked.Increment(ref _delivered);
                continue;
            }
            session.Counters.Count(LinkEvent.RefusedByBroker);
            DeadLetter(m.Topic,
                $"the broker refused it: {result.ReasonCode}{(string.IsNullOrEmpty(result.ReasonString) ? "" : $" ({result.ReasonString})")}",
                onceForTopic: true);
        }
    }

    private void DeadLetter(string topic, string problem, bool onceForTopic = false)
    {
        session.Counters.Count(LinkEvent.DeadLettered);
        var shown = topic.Length > 120 ? $"{topic[..120]}… ({topic.Length} characters)" : topic;
        const string text = "MQTT: must-deliver message to {Topic} dead-lettered (set aside, not retried): {Problem}";
        if (onceForTopic)
            session.Warnings.Once(LogLevel.Warning, "dead-letter", "refused:" + shown, text + " — warned once per topic", shown, problem);
        else
            session.Warnings.Log(LogLevel.Warning, "dead-letter", text, shown, problem);
    }
}
