using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// The link's subscriptions: the topic filters and their handlers, subscribed (QoS 1) after every connect and at once
/// when added while connected. A filter the broker refuses in its SUBACK is counted and warned about once. Each
/// received message goes to every distinct handler whose filter matches (<see cref="TopicFilter"/>); a handler that
/// throws is logged, rate-limited, and the next message is handled as usual. Subscriptions are requests and
/// commands, so a retained message is never acted on: MQTT 5 brokers are asked not to send them (Retain Handling 2)
/// and one that arrives anyway (MQTT 3.1.1) is ignored and warned about once per topic — otherwise every reconnect
/// would replay a stale command, and a retained message too large to receive would break every connection.
/// </summary>
internal sealed class Subscriptions(LinkSession session)
{
    private readonly List<(string Filter, Func<InboundMessage, Task> Handler)> _entries = [];

    /// <summary>Adds a filter; subscribes now if connected.</summary>
    public void Add(string filter, Func<InboundMessage, Task> handler)
    {
        lock (_entries)
            _entries.Add((filter, handler));
        if (session.Connected)
            _ = SubscribeNowAsync(filter);
    }

    /// <summary>Subscribes every filter (after a connect).</summary>
    public async Task SubscribeAllAsync(CancellationToken ct)
    {
        List<string> filters;
        lock (_entries)
            filters = _entries.Select(s => s.Filter).Distinct().ToList();
        foreach (var filter in filters)
            await SubscribeAsync(filter, ct).ConfigureAwait(false);
    }

    /// <summary>Hands a received message to the matching handlers.</summary>
    public async Task DispatchAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (e.ApplicationMessage.Retain)
        {
            session.Warnings.Once(LogLevel.Warning, "retained-ignored", "retained:" + topic,
                "MQTT: ignored a retained message on {Topic}: requests and commands are acted on when sent, never replayed " +
                "(clear it with an empty retained publish; warned once per topic)", topic.Length > 120 ? topic[..120] + "…" : topic);
            return;
        }
        List<Func<InboundMessage, Task>> handlers;
        lock (_entries)
            handlers = _entries.Where(s => TopicFilter.Matches(topic, s.Filter)).Select(s => s.Handler).Distinct().ToList();
        foreach (var handler in handlers)
            try
            {
                await handler(new InboundMessage(topic, e.ApplicationMessage.Payload)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                session.Warnings.Log(LogLevel.Warning, "handler-failed", "MQTT: handler for {Topic} failed: {Error}",
                    topic.Length > 120 ? topic[..120] + "…" : topic, ex.Message);
            }
    }

    private async Task SubscribeNowAsync(string filter)
    {
        try
        {
            await SubscribeAsync(filter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            session.Log.LogDebug("MQTT: subscribing to {Filter} failed now ({Error}); retried on reconnect", filter, e.Message);
        }
    }

    private async Task SubscribeAsync(string filter, CancellationToken ct)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(f =>
            {
                f.WithTopic(filter).WithAtLeastOnceQoS();
                if (session.Protocol == "5.0") // MQTTnet refuses the option on 3.1.1, which has no such thing
                    f.WithRetainHandling(MqttRetainHandling.DoNotSendOnSubscribe);
            })
            .Build();
        var result = await session.Client.SubscribeAsync(options, ct).ConfigureAwait(false);
        foreach (var item in result.Items)
            if (item.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2)
            {
                session.Counters.Count(LinkEvent.SubscriptionsRefused);
                session.Warnings.Once(LogLevel.Warning, "subscription-refused", "subscription:" + filter,
                    "MQTT: the broker refused the subscription to {Filter}: {Code} (check its ACL); messages on it will not arrive (warned once)",
                    filter, item.ResultCode);
            }
    }
}
