using MQTTnet.Server;

namespace MFuser.Edge.Messaging;

/// <summary>
/// Bounds what any local client can make the embedded broker hold in the daemon's own memory: a message larger than
/// <see cref="MaxMessageBytes"/> is not processed (an MQTT 5 publisher gets <c>quota exceeded</c>), and a retained
/// message that would take the store past <see cref="MaxRetainedTopics"/> topics or <see cref="MaxRetainedBytes"/>
/// is delivered but not retained. The daemon's own retained topics (info, availability, setting states) are a few KiB.
/// </summary>
public sealed class BrokerBudget
{
    /// <summary>Largest message the broker processes (the daemon's label PNGs and overlay JPEGs are far smaller).</summary>
    public const int MaxMessageBytes = 4 << 20;

    public const int MaxRetainedTopics = 1000;

    public const long MaxRetainedBytes = 16 << 20;

    private readonly Dictionary<string, long> _retained = new(StringComparer.Ordinal);
    private long _retainedBytes;

    /// <summary>Publishes refused for their size.</summary>
    public long Refused { get; private set; }

    /// <summary>Retained messages delivered without being retained.</summary>
    public long NotRetained { get; private set; }

    public Task InterceptAsync(InterceptingPublishEventArgs e)
    {
        var message = e.ApplicationMessage;
        var size = message.Payload.Length + message.Topic.Length;
        lock (_retained)
        {
            if (message.Payload.Length > MaxMessageBytes)
            {
                Refused++;
                e.ProcessPublish = false;
                if (e.Response is { } response)
                    response.ReasonCode = MQTTnet.Protocol.MqttPubAckReasonCode.QuotaExceeded;
                return Task.CompletedTask;
            }
            if (!message.Retain)
                return Task.CompletedTask;
            var previous = _retained.GetValueOrDefault(message.Topic);
            if (message.Payload.Length == 0) // clears the topic's retained message
            {
                _retained.Remove(message.Topic);
                _retainedBytes -= previous;
                return Task.CompletedTask;
            }
            var topics = _retained.Count + (_retained.ContainsKey(message.Topic) ? 0 : 1);
            if (topics > MaxRetainedTopics || _retainedBytes - previous + size > MaxRetainedBytes)
            {
                NotRetained++;
                message.Retain = false;
                return Task.CompletedTask;
            }
            _retained[message.Topic] = size;
            _retainedBytes += size - previous;
        }
        return Task.CompletedTask;
    }
}
