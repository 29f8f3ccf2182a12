using System.Diagnostics;
using MFuser.Edge.Messaging.Mqtt;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;

namespace MFuser.Edge.Messaging;

/// <summary>
/// The daemon's connection to an MQTT broker (MQTTnet 5 has no managed client, so this is ours; docs/mqtt-api.md):
/// <list type="bullet">
/// <item>connects in the background and keeps reconnecting with bounded exponential backoff; the caller never waits
/// for the broker, so the daemon runs with the broker down at start;</item>
/// <item>Last Will <c>&lt;base&gt;/available = offline</c> (retained, QoS 1); after every (re)connect it republishes
/// the retained state set with <see cref="SetRetained"/> and then <c>available = online</c>; <see cref="DrainAsync"/>
/// publishes <c>available = stopped</c> before a clean disconnect;</item>
/// <item>best-effort messages (<see cref="TryPublish"/>, QoS 0) go through a bounded queue and are dropped and counted
/// while disconnected or when the queue is full; the call never blocks;</item>
/// <item>must-deliver messages (<see cref="EnqueueMustDeliver"/>, QoS 1) wait in the must-deliver store until the
/// broker acknowledges them; one that can never be delivered is dead-lettered instead of blocking the rest;</item>
/// <item>a dead connection is noticed within about 1.5 × keep-alive; packets from the broker are bounded;</item>
/// <item>MQTT 5 with fallback to 3.1.1; MQTT 5 content type and user properties on image topics.</item>
/// </list>
/// Uses only standard MQTT, so any broker (mosquitto, EMQX, HiveMQ, …) works. The parts live in <c>Mqtt/</c>.
/// </summary>
public sealed class MqttLink : IAsyncDisposable
{
    private readonly LinkSession _session;
    private readonly RetainedState _retained;
    private readonly BestEffortSender _bestEffort;
    private readonly MustDeliverSender _mustDeliver;
    private readonly Subscriptions _subscriptions;
    private readonly ConnectionLoop _connection;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _drainGate = new();
    private Task _bestEffortLoop = Task.CompletedTask;
    private Task _otherLoops = Task.CompletedTask;
    private Task<DrainResult>? _drain;
    private int _started, _disposed;

    /// <exception cref="ArgumentException">An option is invalid or a TLS file cannot be loaded; the message names it.</exception>
    public MqttLink(MqttLinkOptions options, ILogger<MqttLink>? logger = null)
    {
        options.Validate();
        _session = new LinkSession(options, logger ?? (ILogger)NullLogger.Instance);
        _retained = new RetainedState(_session);
        _mustDeliver = new MustDeliverSender(_session, options.MustDeliverStore ?? new InMemoryMustDeliverStore());
        _subscriptions = new Subscriptions(_session);
        _connection = new ConnectionLoop(_session, new Connector(_session, options.UseTls ? new TlsMaterial(options) : null), AfterConnectAsync);
        _bestEffort = new BestEffortSender(_session, _connection.Liveness.RequestConfirmation);
        _session.Client.ApplicationMessageReceivedAsync += _subscriptions.DispatchAsync;
        _retained.Preset(Topics.Available, "online"u8);
    }

    /// <summary>Topic names under this link's base topic.</summary>
    public MqttTopics Topics => _session.Topics;

    /// <summary>True while connected and the retained state has been republished.</summary>
    public bool IsConnected => _session.Connected;

    /// <summary>Why the last connection attempt failed (null once connected): for the status line and health checks.</summary>
    public string? LastError => _connection.LastError;

    /// <summary>A snapshot of the counters.</summary>
    public MqttLinkCounters Counters => _session.Counters.Snapshot(_session.Connected, _session.Protocol, _bestEffort.Depth, _mustDeliver.Pending);

    /// <summary>Starts connecting in the background and returns at once.</summary>
    public void Start()
    {
        if (Interlocked.Exchange(ref _started, 1) != 0)
            throw new InvalidOperationException("MqttLink.Start was already called");
        var ct = _stop.Token;
        _bestEffortLoop = Task.Run(() => _bestEffort.RunAsync(ct));
        _otherLoops = Task.WhenAll(Task.Run(() => _connection.RunAsync(ct)), Task.Run(() => _mustDeliver.RunAsync(ct)),
            Task.Run(() => _retained.RunAsync(ct)));
    }

    /// <summary>Waits until connected (or the timeout passes); for start-up messages and tests, never the hot path.</summary>
    public async Task<bool> WaitConnectedAsync(TimeSpan timeout, CancellationToken ct = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!IsConnected && DateTime.UtcNow < deadline)
            await Task.Delay(20, ct).ConfigureAwait(false);
        return IsConnected;
    }

    /// <summary>Sets the retained value of a state topic (<c>info</c>, <c>&lt;setting&gt;/state</c>): published now
    /// with QoS 1 when connected, and again after every reconnect.</summary>
    public void SetRetained(string topic, ReadOnlySpan<byte> payload) => _retained.Set(topic, payload);

    /// <summary>Queues a best-effort (QoS 0, not retained) message. Copies the payload and returns at once; false when
    /// it was dropped (disconnected, stopping or queue full) — counted in <see cref="Counters"/>.</summary>
    public bool TryPublish(string topic, ReadOnlySpan<byte> payload, in MessageMeta meta = default) => _bestEffort.TryEnqueue(topic, payload, meta);

    /// <summary>Hands a must-deliver message (QoS 1) to the store; it is sent when connected and removed only after the
    /// broker's acknowledgement. False when it was refused — the store is full, or the message can never be delivered
    /// (invalid or over-long topic, payload over <see cref="MqttLinkOptions.MaxMustDeliverBytes"/>) — counted.</summary>
    public bool EnqueueMustDeliver(string topic, ReadOnlySpan<byte> payload, bool retain = false) => _mustDeliver.TryAdd(topic, payload, retain);

    /// <summary>Subscribes <paramref name="handler"/> to a topic filter (QoS 1), now and after every reconnect. Call
    /// before <see cref="Start"/> or at any time; handlers run on the receive path, so keep them short.</summary>
    public void Subscribe(string topicFilter, Func<InboundMessage, Task> handler) => _subscriptions.Add(topicFilter, handler);

    /// <summary>A clean stop: refuses new best-effort messages; while connected, sends what is queued (best-effort and
    /// must-deliver) for at most <paramref name="budget"/>; publishes <c>available = stopped</c> (retained) and
    /// disconnects normally, so the broker does not publish the Last Will (that step takes at most
    /// <see cref="MqttLinkOptions.ConnectTimeout"/>); stops the background loops. Must-deliver messages still waiting
    /// stay in a disk spool for the next start, or are reported lost (one log line) with the in-memory store.
    /// Idempotent: later calls return the first call's result.</summary>
    public Task<DrainResult> DrainAsync(TimeSpan budget, CancellationToken ct = default)
    {
        lock (_drainGate)
            return _drain ??= DrainOnceAsync(budget, ct);
    }

    /// <summary><see cref="DrainAsync"/> with <see cref="MqttLinkOptions.ConnectTimeout"/> as the budget.</summary>
    public Task StopAsync(CancellationToken ct = default) => DrainAsync(_session.Options.ConnectTimeout, ct);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        await StopAsync().ConfigureAwait(false);
        _session.Client.Dispose();
        _stop.Dispose();
    }

    private async Task AfterConnectAsync(CancellationToken ct)
    {
        await _subscriptions.SubscribeAllAsync(ct).ConfigureAwait(false);
        await _retained.RepublishAllAsync(ct).ConfigureAwait(false);
        _session.Connected = true;
        _mustDeliver.Wake();
    }

    private async Task<DrainResult> DrainOnceAsync(TimeSpan budget, CancellationToken ct)
    {
        var deliveredBefore = _mustDeliver.Delivered;
        var started = Stopwatch.GetTimestamp();
        _retained.Preset(Topics.Available, "stopped"u8);
        _bestEffort.Close();
        try
        {
            // Connected: until both queues are out. Not (yet) connected — a short run that stops before its first connect, or
            // a reconnect in progress: must-deliver messages still wait for the link within the budget; best-effort ones
            // are dropped while disconnected anyway.
            while (Stopwatch.GetElapsedTime(started) < budget
                   && (IsConnected ? !_bestEffortLoop.IsCompleted || _mustDeliver.Pending > 0 : _mustDeliver.Pending > 0))
                await Task.Delay(20, ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_bestEffortLoop, _otherLoops).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        var clean = await DisconnectCleanlyAsync(ct).ConfigureAwait(false);
        var left = _mustDeliver.Pending;
        var result = new DrainResult((int)(_mustDeliver.Delivered - deliveredBefore), _mustDeliver.SurvivesRestart ? left : 0,
            _mustDeliver.SurvivesRestart ? 0 : left, clean);
        if (result.Lost > 0)
            _session.Log.LogWarning(
                "MQTT: {Lost} must-deliver messages lost: no spool.dir (they were still waiting for the broker at shutdown)", result.Lost);
        else if (result.KeptInSpool > 0)
            _session.Log.LogInformation("MQTT: {Kept} must-deliver messages kept in the spool for the next start", result.KeptInSpool);
        return result;
    }

    /// <summary>Publishes <c>available = stopped</c> and disconnects normally; false when not connected or it failed.</summary>
    private async Task<bool> DisconnectCleanlyAsync(CancellationToken ct)
    {
        if (!_session.Client.IsConnected)
            return false;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_session.Options.ConnectTimeout);
            await _retained.PublishAsync(Topics.Available, timeout.Token).ConfigureAwait(false);
            await _session.Client.DisconnectAsync(
                new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(),
                timeout.Token).ConfigureAwait(false);
            _session.Log.LogInformation("MQTT: published {Topic} = stopped and disconnected", Topics.Available);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _session.Log.LogWarning("MQTT: clean shutdown failed ({Error}); the broker will publish the Last Will", e.Message);
            return false;
        }
        finally
        {
            _session.Connected = false;
        }
    }
}
