using System.Buffers;
using System.Numerics;
using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading.Channels;
using MFuser.Edge.Core.Payloads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Packets;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging;

/// <summary>
/// The daemon's connection to an MQTT broker (MQTTnet 5 has no managed client, so this is ours):
/// <list type="bullet">
/// <item>connects in the background and keeps reconnecting with bounded exponential backoff; the caller never waits
/// for the broker, so the daemon runs with the broker down at start;</item>
/// <item>Last Will <c>&lt;base&gt;/available = offline</c> (retained, QoS 1); after every (re)connect it republishes
/// the retained state set with <see cref="SetRetained"/> and then <c>available = online</c>;
/// <see cref="StopAsync"/> publishes <c>available = stopped</c> before a clean disconnect;</item>
/// <item>best-effort messages (<see cref="TryPublish"/>, QoS 0) go through a bounded queue and are dropped and counted
/// while disconnected or when the queue is full; the call never blocks;</item>
/// <item>must-deliver messages (<see cref="EnqueueMustDeliver"/>, QoS 1) wait in an <see cref="IMustDeliverStore"/>
/// until the broker acknowledges them;</item>
/// <item>MQTT 5 with fallback to 3.1.1; MQTT 5 content type and user properties on image topics.</item>
/// </list>
/// Uses only standard MQTT, so any broker (mosquitto, EMQX, HiveMQ, …) works.
/// </summary>
public sealed class MqttLink : IAsyncDisposable
{
    private readonly MqttLinkOptions _options;
    private readonly ILogger _log;
    private readonly IMqttClient _client;
    private readonly Channel<Outgoing> _queue;
    private readonly Channel<bool> _mustDeliverWake = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly Channel<string> _retainedChanged = Channel.CreateUnbounded<string>();
    private readonly ConcurrentDictionary<string, byte[]> _retained = new();
    private readonly SemaphoreSlim _retainedLock = new(1, 1);
    private readonly List<(string Filter, Func<InboundMessage, Task> Handler)> _subscriptions = [];
    private readonly IMustDeliverStore _mustDeliver;
    private readonly PayloadBuffers _buffers;
    private readonly CancellationTokenSource _stop = new();
    private readonly X509Certificate2Collection? _trustedCas;
    private readonly X509Certificate2Collection? _clientCertificates;
    private Task _bestEffortLoop = Task.CompletedTask;
    private Task _otherLoops = Task.CompletedTask;
    private TaskCompletionSource _connectionLost = NewSignal();
    private volatile bool _connected;
    private volatile bool _stopping;
    private MqttProtocolVersion? _protocol;
    private int _started, _disposed;
    private long _published, _droppedDisconnected, _droppedFull, _droppedFailed, _reconnects, _mustDeliverRefused, _mustDeliverRejected;

    /// <exception cref="ArgumentException">An option is invalid or a TLS file cannot be loaded; the message names it.</exception>
    public MqttLink(MqttLinkOptions options, ILogger<MqttLink>? logger = null)
    {
        options.Validate();
        _options = options;
        _log = logger ?? (ILogger)NullLogger.Instance;
        Topics = new MqttTopics(options.BaseTopic);
        _mustDeliver = options.MustDeliverStore ?? new InMemoryMustDeliverStore();
        _buffers = new PayloadBuffers(options.QueueCapacity + 2);
        _queue = Channel.CreateBounded<Outgoing>(new BoundedChannelOptions(options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait, // TryWrite fails when full: we drop and count, never wait
            SingleReader = true,
        });
        _trustedCas = options.CaFile.Length > 0 ? LoadCas(options.CaFile) : null;
        _clientCertificates = options.ClientCertFile.Length > 0 ? [LoadClientCertificate(options.ClientCertFile, options.ClientKeyFile)] : null;
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += e =>
        {
            if (e.ClientWasConnected)
            {
                _connected = false;
                _connectionLost.TrySetResult();
            }
            return Task.CompletedTask;
        };
        _client.ApplicationMessageReceivedAsync += OnMessageAsync;
        _retained[Topics.Available] = "online"u8.ToArray();
    }

    /// <summary>Topic names under this link's base topic.</summary>
    public MqttTopics Topics { get; }

    /// <summary>True while connected and the retained state has been republished.</summary>
    public bool IsConnected => _connected;

    /// <summary>Why the last connection attempt failed (null once connected): for the status line and health checks.</summary>
    public string? LastError { get; private set; }

    /// <summary>A snapshot of the counters.</summary>
    public MqttLinkCounters Counters => new(
        _connected,
        _protocol switch { MqttProtocolVersion.V500 => "5.0", MqttProtocolVersion.V311 => "3.1.1", _ => null },
        Interlocked.Read(ref _published),
        Interlocked.Read(ref _droppedDisconnected),
        Interlocked.Read(ref _droppedFull),
        Interlocked.Read(ref _droppedFailed),
        Interlocked.Read(ref _reconnects),
        _queue.Reader.Count,
        _mustDeliver.Count,
        Interlocked.Read(ref _mustDeliverRefused),
        Interlocked.Read(ref _mustDeliverRejected));

    /// <summary>Starts connecting in the background and returns at once.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("MqttLink.Start was already called");
        var ct = _stop.Token;
        _bestEffortLoop = Task.Run(() => BestEffortLoopAsync(ct));
        _otherLoops = Task.WhenAll(
            Task.Run(() => ConnectionLoopAsync(ct)),
            Task.Run(() => MustDeliverLoopAsync(ct)),
            Task.Run(() => RetainedLoopAsync(ct)));
    }

    /// <summary>Waits until connected (or the timeout passes); for start-up messages and tests, never the hot path.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_connected && DateTime.UtcNow < deadline)
            await Task.Delay(20, ct).ConfigureAwait(false);
        return _connected;
    }

    /// <summary>Sets the retained value of a state topic (<c>info</c>, <c>&lt;setting&gt;/state</c>): published now
    /// with QoS 1 when connected, and again after every reconnect.</summary>
    public void SetRetained(string topic, ReadOnlySpan<byte> payload)
    {
        _retained[topic] = payload.ToArray();
        _retainedChanged.Writer.TryWrite(topic);
    }

    /// <summary>Queues a best-effort (QoS 0, not retained) message. Copies the payload and returns at once; false when
    /// it was dropped (disconnected or queue full) — counted in <see cref="Counters"/>.</summary>
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, in MessageMeta meta = default)
    {
        if (!_connected || _stopping)
        {
            Interlocked.Increment(ref _droppedDisconnected);
            return false;
        }
        var buffer = _buffers.Rent(payload.Length);
        payload.CopyTo(buffer);
        if (_queue.Writer.TryWrite(new Outgoing(topic, buffer, payload.Length, meta)))
            return true;
        _buffers.Return(buffer);
        Interlocked.Increment(ref _stopping ? ref _droppedDisconnected : ref _droppedFull);
        return false;
    }

    /// <summary>Hands a must-deliver message (QoS 1) to the store; it is sent when connected and removed only after the
    /// broker's acknowledgement. False when the store refused it (full) — counted.</summary>
    public bool EnqueueMustDeliver(string topic, ReadOnlySpan<byte> payload, bool retain = false)
    {
        if (!_mustDeliver.TryAdd(new MustDeliverMessage(topic, payload.ToArray(), retain)))
        {
            Interlocked.Increment(ref _mustDeliverRefused);
            return false;
        }
        _mustDeliverWake.Writer.TryWrite(true);
        return true;
    }

    /// <summary>Subscribes <paramref name="handler"/> to a topic filter (QoS 1), now and after every reconnect. Call
    /// before <see cref="Start"/> or at any time; handlers run on the receive path, so keep them short.</summary>
    public void Subscribe(string topicFilter, Func<InboundMessage, Task> handler)
    {
        lock (_subscriptions)
            _subscriptions.Add((topicFilter, handler));
        if (_connected)
            _ = SubscribeNowAsync(topicFilter);
    }

    private async Task SubscribeNowAsync(string topicFilter)
    {
        try
        {
            await SubscribeOneAsync(topicFilter, _stop.Token).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _log.LogDebug("MQTT: subscribing to {Filter} failed now ({Error}); retried on reconnect", topicFilter, e.Message);
        }
    }

    /// <summary>Refuses new best-effort messages, sends those already queued (for at most
    /// <see cref="MqttLinkOptions.ConnectTimeout"/>, so the last frames of a bounded run arrive), publishes
    /// <c>available = stopped</c> (retained) if connected, disconnects cleanly (so the broker does not send the Last
    /// Will) and stops the background loops. Must-deliver messages not yet acknowledged stay in their store.
    /// Idempotent.</summary>
    public async Task StopAsync(CancellationToken ct = default)
    {
        if (_stopping)
            return;
        _stopping = true;
        _retained[Topics.Available] = "stopped"u8.ToArray();
        _queue.Writer.TryComplete();
        await Task.WhenAny(_bestEffortLoop, Task.Delay(_options.ConnectTimeout, ct)).ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_bestEffortLoop, _otherLoops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        if (!_client.IsConnected)
            return;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_options.ConnectTimeout);
            await PublishRetainedAsync(Topics.Available, timeout.Token).ConfigureAwait(false);
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                timeout.Token).ConfigureAwait(false);
            _log.LogInformation("MQTT: published {Topic} = stopped and disconnected", Topics.Available);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _log.LogWarning("MQTT: clean shutdown failed ({Error}); the broker will publish the Last Will", e.Message);
        }
        finally
        {
            _connected = false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await StopAsync().ConfigureAwait(false);
        _client.Dispose();
        _stop.Dispose();
        _retainedLock.Dispose();
    }

    private async Task ConnectionLoopAsync(CancellationToken ct)
    {
        var delay = _options.ReconnectMin;
        var everConnected = false;
        var outageLogged = false;
        while (!ct.IsCancellationRequested)
        {
            _connectionLost = NewSignal();
            try
            {
                await ConnectOnceAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LastError = Describe(e);
                if (!outageLogged)
                    _log.LogWarning("MQTT: cannot connect to {Broker}: {Error}; retrying with backoff up to {Max}s (logged once per outage)",
                        Endpoint, LastError, _options.ReconnectMax.TotalSeconds);
                outageLogged = true;
                try
                {
                    await Task.Delay(delay * (0.75 + 0.25 * Random.Shared.NextDouble()), ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.ReconnectMax.Ticks));
                continue;
            }

            LastError = null;
            if (everConnected)
                Interlocked.Increment(ref _reconnects);
            everConnected = true;
            outageLogged = false;
            delay = _options.ReconnectMin;
            _log.LogInformation("MQTT: connected to {Broker} (MQTT {Protocol}), base topic {Base}", Endpoint, Counters.Protocol, Topics.Base);
            try
            {
                await AfterConnectAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _log.LogWarning("MQTT: republishing state after connect failed: {Error}", Describe(e));
            }
            try
            {
                await _connectionLost.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            _connected = false;
            _log.LogWarning("MQTT: connection to {Broker} lost; reconnecting", Endpoint);
        }
    }

    private async Task ConnectOnceAsync(CancellationToken ct)
    {
        var version = _protocol ?? (_options.Protocol == MqttProtocol.V311 ? MqttProtocolVersion.V311 : MqttProtocolVersion.V500);
        try
        {
            await ConnectWithAsync(version, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (_options.Protocol == MqttProtocol.Auto && _protocol is null && version == MqttProtocolVersion.V500 &&
                                  !ct.IsCancellationRequested && IsProtocolRefusal(e))
        {
            _log.LogInformation("MQTT: {Broker} refused MQTT 5 ({Error}); using MQTT 3.1.1", Endpoint, Describe(e));
            version = MqttProtocolVersion.V311;
            await ConnectWithAsync(version, ct).ConfigureAwait(false);
        }
        _protocol = version;
    }

    private async Task ConnectWithAsync(MqttProtocolVersion version, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.ConnectTimeout);
        MqttClientConnectResult result;
        try
        {
            result = await _client.ConnectAsync(BuildClientOptions(version), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no CONNACK within {_options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new ConnectRefusedException(result.ResultCode, result.ReasonString);
    }

    private MqttClientOptions BuildClientOptions(MqttProtocolVersion version)
    {
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer(_options.Host, _options.Port)
            .WithProtocolVersion(version)
            .WithClientId(_options.ClientId.Length > 0 ? _options.ClientId : $"mfuser-edge-{_options.DeviceId}")
            .WithCleanSession()
            .WithKeepAlivePeriod(_options.KeepAlive)
            .WithTimeout(_options.ConnectTimeout)
            .WithWillTopic(Topics.Available)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();
        if (_options.Username.Length > 0)
            b.WithCredentials(_options.Username, _options.Password);
        if (_options.UseTls)
            b.WithTlsOptions(t =>
            {
                t.UseTls().WithTargetHost(_options.Host);
                if (_clientCertificates is not null)
                    t.WithClientCertificates(_clientCertificates);
                if (_trustedCas is not null)
                    t.WithCertificateValidationHandler(ValidateAgainstCa);
            });
        return b.Build();
    }

    /// <summary>Accepts the broker's certificate if it names the host and chains to one of the configured CAs.</summary>
    private bool ValidateAgainstCa(MqttClientCertificateValidationEventArgs e)
    {
        if (e.Certificate is null || e.SslPolicyErrors.HasFlag(System.Net.Security.SslPolicyErrors.RemoteCertificateNameMismatch))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_trustedCas!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        if (e.Chain is not null)
            foreach (var element in e.Chain.ChainElements)
                chain.ChainPolicy.ExtraStore.Add(element.Certificate);
        using var certificate = new X509Certificate2(e.Certificate);
        return chain.Build(certificate);
    }

    private async Task AfterConnectAsync(CancellationToken ct)
    {
        List<string> filters;
        lock (_subscriptions)
            filters = _subscriptions.Select(s => s.Filter).Distinct().ToList();
        foreach (var filter in filters)
            await SubscribeOneAsync(filter, ct).ConfigureAwait(false);
        foreach (var topic in _retained.Keys.Where(t => t != Topics.Available).Order(StringComparer.Ordinal).ToList())
            await PublishRetainedAsync(topic, ct).ConfigureAwait(false);
        await PublishRetainedAsync(Topics.Available, ct).ConfigureAwait(false);
        _connected = true;
        _mustDeliverWake.Writer.TryWrite(true);
    }

    private async Task SubscribeOneAsync(string filter, CancellationToken ct)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.SubscribeAsync(options, ct).ConfigureAwait(false);
    }

    /// <summary>Publishes the current retained value of <paramref name="topic"/> (QoS 1); serialised so that a stale
    /// value can never overtake a newer one.</summary>
    private async Task PublishRetainedAsync(string topic, CancellationToken ct)
    {
        await _retainedLock.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (!_retained.TryGetValue(topic, out var payload))
                return;
            var message = new MqttApplicationMessageBuilder()
                .WithTopic(topic)
                .WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .WithRetainFlag()
                .Build();
            await _client.PublishAsync(message, ct).ConfigureAwait(false);
            Interlocked.Increment(ref _published);
        }
        finally
        {
            _retainedLock.Release();
        }
    }

    private async Task RetainedLoopAsync(CancellationToken ct)
    {
        try
        {
            await foreach (var topic in _retainedChanged.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                if (!_connected)
                    continue; // republished on connect
                try
                {
                    await PublishRetainedAsync(topic, ct).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _log.LogDebug("MQTT: retained {Topic} not published now ({Error}); republished on reconnect", topic, e.Message);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Sends the queued best-effort messages one at a time, reusing one application message object (the
    /// client turns it into its own packet before the await returns). The queue is waited on without a cancellation
    /// token, which lets the channel reuse its waiter instead of allocating one per wait; <see cref="StopAsync"/>
    /// completes the queue, which ends the wait.</summary>
    private async Task BestEffortLoopAsync(CancellationToken ct)
    {
        var reader = _queue.Reader;
        var message = new MqttApplicationMessage { QualityOfServiceLevel = MqttQualityOfServiceLevel.AtMostOnce };
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
                while (reader.TryRead(out var m))
                {
                    if (!_connected)
                    {
                        _buffers.Return(m.Buffer);
                        Interlocked.Increment(ref _droppedDisconnected);
                        continue;
                    }
                    var sent = false;
                    try
                    {
                        message.Topic = m.Topic;
                        message.Payload = new ReadOnlySequence<byte>(m.Buffer, 0, m.Length);
                        SetMeta(message, _protocol == MqttProtocolVersion.V500 ? m.Meta : default);
                        await _client.PublishAsync(message, ct).ConfigureAwait(false);
                        sent = true;
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        Interlocked.Increment(ref _droppedFailed);
                    }
                    finally
                    {
                        _buffers.Return(m.Buffer); // before counting, so a caller that waits for the count finds the buffer free
                    }
                    if (sent)
                        Interlocked.Increment(ref _published);
                }
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            while (reader.TryRead(out var m))
            {
                _buffers.Return(m.Buffer);
                Interlocked.Increment(ref _droppedDisconnected);
            }
        }
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

    private async Task MustDeliverLoopAsync(CancellationToken ct)
    {
        try
        {
            while (await _mustDeliverWake.Reader.WaitToReadAsync(ct).ConfigureAwait(false))
            {
                _mustDeliverWake.Reader.TryRead(out _);
                while (_connected && _mustDeliver.TryPeek(out var m))
                {
                    var message = new MqttApplicationMessageBuilder()
                        .WithTopic(m.Topic)
                        .WithPayload(m.Payload)
                        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                        .WithRetainFlag(m.Retain)
                        .Build();
                    MqttClientPublishResult result;
                    try
                    {
                        result = await _client.PublishAsync(message, ct).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                    {
                        if (_client.IsConnected)
                        {
                            _log.LogWarning("MQTT: must-deliver message to {Topic} failed ({Error}); retrying", m.Topic, e.Message);
                            await Task.Delay(_options.ReconnectMin, ct).ConfigureAwait(false);
                        }
                        break; // kept in the store; retried when connected again
                    }
                    _mustDeliver.RemoveOldest();
                    if (result.IsSuccess)
                        Interlocked.Increment(ref _published);
                    else
                    {
                        Interlocked.Increment(ref _mustDeliverRejected);
                        _log.LogWarning("MQTT: broker rejected must-deliver message to {Topic}: {Reason}", m.Topic, result.ReasonCode);
                    }
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private async Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        List<Func<InboundMessage, Task>> handlers;
        lock (_subscriptions)
            handlers = _subscriptions
                .Where(s => MqttTopicFilterComparer.Compare(topic, s.Filter) == MqttTopicFilterCompareResult.IsMatch)
                .Select(s => s.Handler).ToList();
        foreach (var handler in handlers)
        {
            try
            {
                await handler(new InboundMessage(topic, e.ApplicationMessage.Payload)).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                _log.LogWarning("MQTT: handler for {Topic} failed: {Error}", topic, ex.Message);
            }
        }
    }

    private static X509Certificate2Collection LoadCas(string path)
    {
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPemFile(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new ArgumentException($"CA file '{path}' cannot be read as PEM certificates: {e.Message}", e);
        }
        return cas.Count > 0 ? cas : throw new ArgumentException($"CA file '{path}' holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    }

    private static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
    {
        try
        {
            return X509Certificate2.CreateFromPemFile(certPath, keyPath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            throw new ArgumentException($"client certificate '{certPath}' with key '{keyPath}' cannot be loaded as PEM: {e.Message}", e);
        }
    }

    private string Endpoint => $"{(_options.UseTls ? "mqtts" : "mqtt")}://{_options.Host}:{_options.Port}";

    /// <summary>True when a TCP connection was made but the broker would not speak MQTT 5 — not when the broker is
    /// unreachable, too slow, or refuses our credentials.</summary>
    private static bool IsProtocolRefusal(Exception e)
    {
        if (e is ConnectRefusedException refused)
            return refused.Code is MqttClientConnectResultCode.UnsupportedProtocolVersion or MqttClientConnectResultCode.ProtocolError
                or MqttClientConnectResultCode.MalformedPacket;
        if (e is TimeoutException)
            return false;
        for (var inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException or System.Security.Authentication.AuthenticationException)
                return false;
        return e.Message.Contains("UnsupportedProtocolVersion", StringComparison.OrdinalIgnoreCase) || e is MQTTnet.Adapter.MqttConnectingFailedException ||
               e is MQTTnet.Exceptions.MqttProtocolViolationException;
    }

    private static string Describe(Exception e)
    {
        var root = e;
        while (root.InnerException is not null && root is not ConnectRefusedException)
            root = root.InnerException;
        return root == e ? e.Message : $"{e.Message} ({root.Message})";
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Payload copies of queued best-effort messages. A private pool rather than ArrayPool.Shared: buffers
    /// are rented on the inference thread and returned on the sender's, and the queue bound caps how many exist, so
    /// after warm-up renting allocates nothing. Messages of different sizes share it (drivable JSON, PNG images), so a
    /// rent takes the most recently returned buffer that is large enough, not only the top one.</summary>
    private sealed class PayloadBuffers(int capacity)
    {
        private readonly List<byte[]> _free = new(capacity);
        private readonly Lock _lock = new();

        public byte[] Rent(int length)
        {
            lock (_lock)
                for (var i = _free.Count - 1; i >= 0; i--)
                    if (_free[i].Length >= length)
                    {
                        var buffer = _free[i];
                        _free.RemoveAt(i);
                        return buffer;
                    }
            return new byte[Math.Max(256, (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, length)))];
        }

        public void Return(byte[] buffer)
        {
            lock (_lock)
                if (_free.Count < capacity)
                    _free.Add(buffer);
        }
    }

    private readonly record struct Outgoing(string Topic, byte[] Buffer, int Length, MessageMeta Meta);

    /// <summary>The broker answered CONNECT with a failure code.</summary>
    private sealed class ConnectRefusedException(MqttClientConnectResultCode code, string? reason)
        : Exception($"broker refused the connection: {code}{(string.IsNullOrEmpty(reason) ? "" : $" ({reason})")}")
    {
        public MqttClientConnectResultCode Code { get; } = code;
    }
}
