using System.Threading.Channels;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Messaging;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>Hands <c>domain_shift</c> episode events to the link's must-deliver store (QoS 1; with <c>spool.dir</c> an
/// fsync'd disk spool) on a background task, in order, so the stage thread never waits for the disk. Events are
/// rare (a few per episode); the queue is unbounded so none is lost before it reaches the store. With a spool, the
/// open episode is remembered beside it (<see cref="OpenEpisodeFile"/>).</summary>
public sealed class EpisodePublisher : IAsyncDisposable
{
    private readonly Channel<(byte[] Payload, bool Open)> _queue =
        Channel.CreateUnbounded<(byte[], bool)>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _pump;
    private readonly RateGate _refusalLogs = new(1.0 / 60);
    private long _queued, _stored, _refused;

    public EpisodePublisher(MqttLink link, OpenEpisodeFile? openEpisode, ILogger log)
    {
        _pump = Task.Run(async () =>
        {
            await foreach (var (payload, open) in _queue.Reader.ReadAllAsync())
            {
                // An open episode is recorded before its event is stored and forgotten after its end is stored: a crash
                // in between leaves at worst a gap in seq or a second end, never two different events with one event_id.
                if (open)
                    Track(openEpisode, payload, open, log);
                if (!Store(link, payload, out var error))
                {
                    Interlocked.Increment(ref _refused);
                    if (_refusalLogs.TryEnter())
                        log.LogError("domain_shift event refused by the must-deliver store ({Reason}); {Refused} refused so far " +
                                     "(logged at most once a minute)", error ?? "full or its write failed: see the spool's warning", Refused);
                    continue;
                }
                Interlocked.Increment(ref _stored);
                if (!open)
                    Track(openEpisode, payload, open, log);
            }
        });
    }

    /// <summary>Hands one event to the store; whatever the store throws refuses this event, never the ones after it.</summary>
    private static bool Store(MqttLink link, byte[] payload, out string? error)
    {
        error = null;
        try
        {
            return link.EnqueueMustDeliver(link.Topics.DomainShift, payload);
        }
        catch (Exception e) when (e is not ObjectDisposedException)
        {
            error = e.Message;
            return false;
        }
    }

    private static void Track(OpenEpisodeFile? openEpisode, byte[] payload, bool open, ILogger log)
    {
        try
        {
            openEpisode?.Track(payload, open);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            log.LogWarning("cannot record the open episode in {Path}: {Error}; a crash now would leave it without an end event",
                openEpisode!.Path, e.Message);
        }
    }

    /// <summary>Events handed over by the domain-shift stage.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Events accepted by the must-deliver store.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Events the store refused (full, or the spool's write failed).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Queues one serialized event (<paramref name="episodeOpen"/>: false for the episode's <c>end</c>) and
    /// returns at once.</summary>
    public void Publish(byte[] payload, bool episodeOpen)
    {
        Interlocked.Increment(ref _queued);
        _queue.Writer.TryWrite((payload, episodeOpen));
    }

    /// <summary>Stores what is still queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }
}
