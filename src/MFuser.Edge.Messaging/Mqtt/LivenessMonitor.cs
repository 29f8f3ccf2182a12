using System.Diagnostics;
using System.Threading.Channels;
using MQTTnet.Exceptions;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Proves each connection alive with our own PINGREQ round trips, because MQTTnet 5 pings only after keep-alive
/// seconds without <em>sending</em> anything — a link that streams frames into a dead socket (pulled cable, frozen
/// NAT) never pings and looks connected until TCP gives up, minutes later. Pings go every keep-alive / 2, and sooner
/// (at most every <see cref="ConfirmEvery"/>) while best-effort messages wait for confirmation; a ping unanswered for
/// a keep-alive declares the connection dead, so a dead link is noticed within about 1.5 × keep-alive. Each answered
/// ping confirms the messages sent before it (<see cref="LinkCounters.Confirm"/>).
/// </summary>
internal sealed class LivenessMonitor(LinkSession session, Action<string> declareDead)
{
    /// <summary>Shortest gap between two pings that confirm best-effort messages.</summary>
    public static readonly TimeSpan ConfirmEvery = TimeSpan.FromMilliseconds(500);

    private readonly Channel<bool> _confirmWanted = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Asks for a round trip soon (a best-effort message was sent). Never blocks.</summary>
    public void RequestConfirmation() => _confirmWanted.Writer.TryWrite(true);

    /// <summary>Pings until <paramref name="connectionEnded"/> completes, the connection is declared dead, or
    /// <paramref name="ct"/> is cancelled.</summary>
    public async Task RunAsync(Task connectionEnded, CancellationToken ct)
    {
        var keepAlive = session.Options.KeepAlive;
        var idle = keepAlive / 2;
        var confirmEvery = idle < ConfirmEvery ? idle : ConfirmEvery;
        var lastPing = Stopwatch.GetTimestamp();
        Task<bool>? wanted = null;
        try
        {
            while (!connectionEnded.IsCompleted)
            {
                var untilIdlePing = idle - Stopwatch.GetElapsedTime(lastPing);
                if (untilIdlePing > TimeSpan.Zero)
                {
                    if (wanted is null || wanted.IsCompleted)
                        wanted = _confirmWanted.Reader.WaitToReadAsync(ct).AsTask();
                    using var woken = CancellationTokenSource.CreateLinkedTokenSource(ct);
                    await Task.WhenAny(wanted, Task.Delay(untilIdlePing, woken.Token), connectionEnded).ConfigureAwait(false);
                    await woken.CancelAsync().ConfigureAwait(false);
                }
                ct.ThrowIfCancellationRequested();
                if (connectionEnded.IsCompleted)
                    return;
                _confirmWanted.Reader.TryRead(out _);
                var sinceLast = Stopwatch.GetElapsedTime(lastPing);
                if (sinceLast < confirmEvery)
                    await Task.Delay(confirmEvery - sinceLast, ct).ConfigureAwait(false);
                lastPing = Stopwatch.GetTimestamp();
                switch (await PingAsync(keepAlive, ct).ConfigureAwait(false))
                {
                    case PingOutcome.TimedOut when !connectionEnded.IsCompleted:
                        declareDead($"no PINGRESP within {keepAlive.TotalSeconds:0.#} s (keep-alive)");
                        return;
                    case PingOutcome.TimedOut or PingOutcome.ConnectionGone:
                        return;
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    private enum PingOutcome
    {
        Answered,
        TimedOut,
        ConnectionGone,
    }

    /// <summary>One round trip.</summary>
    private async Task<PingOutcome> PingAsync(TimeSpan timeout, CancellationToken ct)
    {
        var sentMark = session.Counters.SentMark;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(timeout);
        try
        {
            await session.Client.PingAsync(deadline.Token).ConfigureAwait(false);
            session.Counters.Confirm(sentMark);
            return PingOutcome.Answered;
        }
        catch (Exception e) when (e is OperationCanceledException or MqttCommunicationTimedOutException && !ct.IsCancellationRequested)
        {
            return PingOutcome.TimedOut;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return PingOutcome.ConnectionGone; // the connection loop sees the loss itself
        }
    }
}
