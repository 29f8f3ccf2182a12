using System.Buffers;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace MFuser.TestSupport;

/// <summary>One message as a subscriber received it.</summary>
public sealed record ReceivedMessage(string Topic, byte[] Payload, bool Retain, MqttQualityOfServiceLevel Qos, string? ContentType,
    IReadOnlyDictionary<string, string> UserProperties, DateTime ReceivedAt)
{
    public string Text => Encoding.UTF8.GetString(Payload);
    public override string ToString() => $"{Topic} retain={Retain} qos={(int)Qos} '{(Payload.Length > 80 ? Text[..80] + "…" : Text)}'";
}

/// <summary>An independent MQTT 5 subscriber (plain MQTTnet client) that records everything it receives on a topic
/// filter, for asserting what a publisher really put on the broker.</summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private readonly IMqttClient _client;
    private readonly List<ReceivedMessage> _messages = [];
    private readonly SemaphoreSlim _arrived = new(0);

    private MqttProbe(IMqttClient client) => _client = client;

    /// <summary>Connects to <paramref name="host"/>:<paramref name="port"/> and subscribes (QoS 1) to
    /// <paramref name="topicFilter"/>; retained messages arrive right away with <c>Retain = true</c>.</summary>
    public static async Task<MqttProbe> StartAsync(string host, int port, string topicFilter, (string User, string Password)? credentials = null)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client);
        client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            var props = (m.UserProperties ?? []).ToDictionary(p => p.Name, p => Encoding.UTF8.GetString(p.ValueBuffer.Span));
            lock (probe._messages)
                probe._messages.Add(new ReceivedMessage(m.Topic, m.Payload.ToArray(), m.Retain, m.QualityOfServiceLevel, m.ContentType,
                    props, DateTime.UtcNow));
            probe._arrived.Release();
            return Task.CompletedTask;
        };
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId($"probe-{Guid.NewGuid():N}");
        if (credentials is var (user, password))
            options.WithCredentials(user, password);
        await client.ConnectAsync(options.Build());
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(topicFilter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        return probe;
    }

    /// <summary>Everything received so far, in arrival order.</summary>
    public IReadOnlyList<ReceivedMessage> Messages
    {
        get
        {
            lock (_messages)
                return _messages.ToList();
        }
    }

    /// <summary>Messages received on exactly <paramref name="topic"/>.</summary>
    public IReadOnlyList<ReceivedMessage> On(string topic) => Messages.Where(m => m.Topic == topic).ToList();

    /// <summary>Waits for the first message (counting from <paramref name="skip"/> messages in) that matches; throws
    /// <see cref="TimeoutException"/> listing what did arrive.</summary>
    public async Task<ReceivedMessage> WaitForAsync(Func<ReceivedMessage, bool> match, TimeSpan timeout, int skip = 0)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var found = Messages.Skip(skip).FirstOrDefault(match);
            if (found is not null)
                return found;
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero)
                throw new TimeoutException($"no matching message within {timeout.TotalSeconds:0.#} s; received:\n  " +
                                           string.Join("\n  ", Messages.Select(m => m.ToString())));
            await _arrived.WaitAsync(left < TimeSpan.FromMilliseconds(200) ? left : TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Waits for a message on <paramref name="topic"/> with payload <paramref name="text"/>.</summary>
    public Task<ReceivedMessage> WaitForAsync(string topic, string text, TimeSpan timeout, int skip = 0) =>
        WaitForAsync(m => m.Topic == topic && m.Text == text, timeout, skip);

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync();
        }
        catch (Exception)
        {
            // the broker may already be gone
        }
        _client.Dispose();
        _arrived.Dispose();
    }
}
