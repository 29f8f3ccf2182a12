using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using MFuser.Edge.Client.Images;
using MFuser.Edge.Client.Payloads;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace MFuser.Edge.Client;

/// <summary>
/// Follows one mfuser-edge device over MQTT 5 (docs/client.md): typed <c>drivable</c>, <c>domain_shift</c>, <c>info</c>
/// and <c>stats</c> payloads, decoded <c>segmentation</c> maps, and the device's <c>available</c> state. Attach
/// handlers, then <see cref="ConnectAsync"/>: the retained <c>info</c> and <c>available</c> arrive right away. A message
/// that breaks the contract is counted and reported on <see cref="MessageRejected"/>; the ones behind it still
/// arrive. Handlers run on the receive loop, one message at a time: keep them short. After a lost broker connection
/// the client reconnects by itself with exponential back-off.
/// </summary>
public sealed class EdgeClient(EdgeClientOptions options) : IAsyncDisposable
{
    private readonly IMqttClient _mqtt = new MqttClientFactory().CreateMqttClient();
    private readonly CancellationTokenSource _closing = new();
    private readonly string _base = options.BaseTopic;
    private long _rejected;

    public event Action<Drivable>? DrivableReceived;
    public event Action<SegmentationMap>? SegmentationReceived;
    public event Action<DomainShiftEvent>? DomainShiftReceived;
    public event Action<DeviceStats>? StatsReceived;
    public event Action<DeviceInfo>? InfoReceived;
    public event Action<DeviceAvailability>? AvailabilityChanged;
    public event Action<RejectedMessage>? MessageRejected;

    /// <summary>The device's last <c>available</c> value.</summary>
    public DeviceAvailability Availability { get; private set; }

    /// <summary>The device's last <c>info</c>, null until it arrives.</summary>
    public DeviceInfo? Info { get; private set; }

    /// <summary>Messages that did not match the contract since start.</summary>
    public long RejectedCount => Interlocked.Read(ref _rejected);

    public bool IsConnected => _mqtt.IsConnected;

    /// <summary>Connects, subscribes to the device's topics and keeps reconnecting after a lost connection until disposed.</summary>
    public async Task ConnectAsync(CancellationToken cancellationToken = default)
    {
        _mqtt.ApplicationMessageReceivedAsync += e =>
        {
            Dispatch(e.ApplicationMessage);
            return Task.CompletedTask;
        };
        _mqtt.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected && !_closing.IsCancellationRequested)
                _ = ReconnectAsync();
            return Task.CompletedTask;
        };
        await ConnectAndSubscribeAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _closing.CancelAsync();
        try
        {
            if (_mqtt.IsConnected)
                await _mqtt.DisconnectAsync();
        }
        catch (MQTTnet.Exceptions.MqttCommunicationException)
        {
            // the broker is already gone
        }
        _mqtt.Dispose();
        _closing.Dispose();
    }

    private async Task ConnectAndSubscribeAsync(CancellationToken cancellationToken)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.Host, options.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId($"mfuser-client-{Guid.NewGuid():N}")
            .WithCleanSession();
        options.Configure?.Invoke(builder);
        await _mqtt.ConnectAsync(builder.Build(), cancellationToken);
        var subscribe = new MqttClientSubscribeOptionsBuilder();
        foreach (var topic in FollowedTopics())
            subscribe.WithTopicFilter($"{_base}/{topic}", MqttQualityOfServiceLevel.AtLeastOnce);
        await _mqtt.SubscribeAsync(subscribe.Build(), cancellationToken);
    }

    private IEnumerable<string> FollowedTopics()
    {
        string[] json = ["available", "info", "drivable", "stats", "domain_shift"];
        return options.Segmentation ? [.. json, "segmentation"] : json;
    }

    private async Task ReconnectAsync()
    {
        var delay = TimeSpan.FromMilliseconds(500);
        while (!_closing.IsCancellationRequested && !_mqtt.IsConnected)
        {
            try
            {
                await Task.Delay(delay, _closing.Token);
                await ConnectAndSubscribeAsync(_closing.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException)
            {
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.MaxReconnectDelay.Ticks));
            }
        }
    }

    private void Dispatch(MqttApplicationMessage message)
    {
        var topic = message.Topic;
        if (topic.Length <= _base.Length + 1 || !topic.StartsWith(_base, StringComparison.Ordinal) || topic[_base.Length] != '/')
            return;
        switch (topic.AsSpan(_base.Length + 1))
        {
            case "drivable":
                Deliver(message, ClientJsonContext.Default.Drivable, DrivableReceived);
                break;
            case "domain_shift":
                Deliver(message, ClientJsonContext.Default.DomainShiftEvent, DomainShiftReceived);
                break;
            case "stats":
                Deliver(message, ClientJsonContext.Default.DeviceStats, StatsReceived);
                break;
            case "info":
                if (Parse(message, ClientJsonContext.Default.DeviceInfo) is { } info)
                {
                    Info = info;
                    InfoReceived?.Invoke(info);
                }
                break;
            case "available":
                OnAvailable(message);
                break;
            case "segmentation":
                OnSegmentation(message);
                break;
        }
    }

    private void Deliver<T>(MqttApplicationMessage message, JsonTypeInfo<T> type, Action<T>? handler) where T : class
    {
        if (Parse(message, type) is { } payload)
            handler?.Invoke(payload);
    }

    private T? Parse<T>(MqttApplicationMessage message, JsonTypeInfo<T> type) where T : class
    {
        try
        {
            var reader = new Utf8JsonReader(message.Payload);
            if (JsonSerializer.Deserialize(ref reader, type) is { } payload)
                return payload;
            Reject(message.Topic, "payload is JSON null");
        }
        catch (JsonException e)
        {
            Reject(message.Topic, e.Message);
        }
        return null;
    }

    private void OnAvailable(MqttApplicationMessage message)
    {
        var text = Encoding.UTF8.GetString(message.Payload);
        DeviceAvailability? state = text switch
        {
            "online" => DeviceAvailability.Online,
            "stopped" => DeviceAvailability.Stopped,
            "offline" => DeviceAvailability.Offline,
            _ => null,
        };
        if (state is not { } value)
        {
            Reject(message.Topic, $"expected online, stopped or offline, got '{(text.Length > 40 ? text[..40] + "…" : text)}'");
            return;
        }
        Availability = value;
        AvailabilityChanged?.Invoke(value);
    }

    private void OnSegmentation(MqttApplicationMessage message)
    {
        SegmentationMap map;
        try
        {
            map = SegmentationMap.Decode(message.Payload.ToArray(), UserLong(message, "frame"), UserTime(message, "captured_at"));
        }
        catch (FormatException e)
        {
            Reject(message.Topic, e.Message);
            return;
        }
        SegmentationReceived?.Invoke(map);
    }

    private static string? UserProperty(MqttApplicationMessage message, string name) =>
        message.UserProperties?.FirstOrDefault(p => p.Name == name) is { } p ? Encoding.UTF8.GetString(p.ValueBuffer.Span) : null;

    private static long? UserLong(MqttApplicationMessage message, string name) =>
        long.TryParse(UserProperty(message, name), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;

    private static DateTimeOffset? UserTime(MqttApplicationMessage message, string name) =>
        DateTimeOffset.TryParse(UserProperty(message, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null;

    private void Reject(string topic, string reason)
    {
        Interlocked.Increment(ref _rejected);
        MessageRejected?.Invoke(new RejectedMessage(topic, reason));
    }
}
