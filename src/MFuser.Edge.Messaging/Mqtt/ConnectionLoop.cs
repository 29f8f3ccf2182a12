using Microsoft.Extensions.Logging;
using MQTTnet;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Keeps the link connected: connects in the background (the caller never waits for the broker), and after every
/// connect runs <paramref name="afterConnect"/> (subscriptions, retained state, <c>available = online</c>) before the
/// link counts as connected; watches the connection with the <see cref="LivenessMonitor"/>; after a loss reconnects
/// with bounded exponential backoff and jitter. A connection that ends within <see cref="StableAfter"/> counts as a
/// failed attempt (a broker that accepts and then drops every connection is not hammered). Logs one warning per
/// outage (<see cref="OutageLog"/>).
/// </summary>
internal sealed class ConnectionLoop
{
    private readonly LinkSession _session;
    private readonly Connector _connector;
    private readonly Func<CancellationToken, Task> _afterConnect;
    private readonly OutageLog _outage;
    /// <summary>How long a connection must last for the next loss to reconnect at once, with the backoff reset.</summary>
    internal static readonly TimeSpan StableAfter = TimeSpan.FromSeconds(10);

    private TaskCompletionSource<string> _ended = NewSignal();
    private string? _deadReason;

    public ConnectionLoop(LinkSession session, Connector connector, Func<CancellationToken, Task> afterConnect)
    {
        _session = session;
        _connector = connector;
        _afterConnect = afterConnect;
        _outage = new OutageLog(session.Log, session.Endpoint, session.Options.ReconnectMax);
        Liveness = new LivenessMonitor(session, DeclareDead);
        session.Client.DisconnectedAsync += OnDisconnectedAsync;
    }

    /// <summary>Why the last connection attempt failed (null once connected).</summary>
    public string? LastError { get; private set; }

    public LivenessMonitor Liveness { get; }

    public async Task RunAsync(CancellationToken ct)
    {
        var delay = _session.Options.ReconnectMin;
        var everConnected = false;
        while (!ct.IsCancellationRequested)
        {
            var ended = _ended = NewSignal();
            _deadReason = null;
            try
            {
                await _connector.ConnectAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LastError = Connector.Describe(e);
                _outage.Failed(LastError);
                if (!await BackOffAsync(delay, ct).ConfigureAwait(false))
                    return;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _session.Options.ReconnectMax.Ticks));
                continue;
            }

            LastError = null;
            if (everConnected)
                _session.Counters.Count(LinkEvent.Reconnects);
            everConnected = true;
            var connectedAt = System.Diagnostics.Stopwatch.GetTimestamp();
            _outage.Connected(_session.Protocol!, _session.Topics.Base);
            try
            {
                await _afterConnect(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                _session.Log.LogWarning("MQTT: republishing state after connect failed: {Error}", Connector.Describe(e));
            }
            var liveness = Liveness.RunAsync(ended.Task, ct);
            string reason;
            try
            {
                reason = await ended.Task.WaitAsync(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                await liveness.ConfigureAwait(false);
                return;
            }
            _session.Connected = false;
            await liveness.ConfigureAwait(false);
            _outage.Lost(reason, _session.Counters.LoseUnconfirmed());
            await EnsureClientClosedAsync(ct).ConfigureAwait(false);
            if (System.Diagnostics.Stopwatch.GetElapsedTime(connectedAt) >= StableAfter)
            {
                delay = _session.Options.ReconnectMin;
                continue;
            }
            if (!await BackOffAsync(delay, ct).ConfigureAwait(false))
                return;
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _session.Options.ReconnectMax.Ticks));
        }
    }

    /// <summary>Waits (at most the connect timeout) until the client has noticed a connection declared dead, so the next
    /// connect does not find it still "connected"; then forces it.</summary>
    private async Task EnsureClientClosedAsync(CancellationToken ct)
    {
        var until = DateTime.UtcNow + _session.Options.ConnectTimeout;
        while (_session.Client.IsConnected && DateTime.UtcNow < until)
            await Task.Delay(20, ct).ConfigureAwait(false);
        if (!_session.Client.IsConnected)
            return;
        try
        {
            using var timeout = new CancellationTokenSource(_session.Options.ConnectTimeout);
            await _session.Client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            _session.Log.LogDebug("MQTT: closing the dead connection: {Error}", e.Message);
        }
    }

    /// <summary>The liveness monitor found the connection dead: close it under the client, which then reports it lost.</summary>
    private void DeclareDead(string reason)
    {
        _deadReason = reason;
        _session.Counters.Count(LinkEvent.DeadLinks);
        _session.Connected = false;
        _session.Transport.AbortCurrent();
        _ended.TrySetResult(reason);
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (!e.ClientWasConnected)
            return Task.CompletedTask;
        _session.Connected = false;
        // Without an exception MQTTnet reports "NormalDisconnection" both for a broker's DISCONNECT and for a socket the
        // broker's host closed (a killed broker): say what is known.
        _ended.TrySetResult(_deadReason ?? (e.Exception is { } x ? Connector.Describe(x)
            : e.Reason == MqttClientDisconnectReason.NormalDisconnection ? "the connection was closed by the broker's side"
            : $"the broker closed it ({e.Reason})"));
        return Task.CompletedTask;
    }

    private static async Task<bool> BackOffAsync(TimeSpan delay, CancellationToken ct)
    {
        try
        {
            await Task.Delay(delay * (0.75 + 0.25 * Random.Shared.NextDouble()), ct).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private static TaskCompletionSource<string> NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
