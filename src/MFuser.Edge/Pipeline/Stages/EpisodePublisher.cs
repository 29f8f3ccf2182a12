using System.Threading.Channels;
using MFuser.Edge.Messaging;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>Hands <c>domain_shift</c> episode events to the link's must-deliver store (QoS 1; with <c>spool.dir</c> an
/// fsync'd disk spool) on a background task, in order, so the stage thread never waits for the disk. Events are
/// rare (a few per episode); the queue is unbounded so none is lost before it reaches the store.</summary>
public sealed class EpisodePublisher : IAsyncDisposable
{
    private readonly Channel<byte[]> _queue = Channel.CreateUnbounded<byte[]>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
    private readonly Task _pump;
    private long _queued, _stored, _refused;

    public EpisodePublisher(MqttLink link, ILogger log)
    {
        _pump = Task.Run(async () =>
        {
            await foreach (var payload in _queue.Reader.ReadAllAsync())
            {
                if (link.EnqueueMustDeliver(link.Topics.DomainShift, payload))
                    Interlocked.Increment(ref _stored);
                else
                {
                    Interlocked.Increment(ref _refused);
                    log.LogError("domain_shift event refused by the must-deliver store (full: raise spool.max_mb); {Refused} refused so far", Refused);
                }
            }
        });
    }

    /// <summary>Events handed over by the domain-shift stage.</summary>
    public long Queued => Interlocked.Read(ref _queued);

    /// <summary>Events accepted by the must-deliver store.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Events the store refused because it was full.</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Queues one serialized event and returns at once.</summary>
    public void Publish(byte[] payload)
    {
        Interlocked.Increment(ref _queued);
        _queue.Writer.TryWrite(payload);
    }

    /// <summary>Stores what is still queued, then stops.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _pump.ConfigureAwait(false);
    }
}
