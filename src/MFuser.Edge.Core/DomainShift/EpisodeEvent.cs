using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>Why an episode ended: the scene came back within the reference, or the daemon stopped with the episode
/// still open (its field log and consumers get a closing event either way).</summary>
public enum EpisodeEndReason
{
    Recovered,
    Shutdown,
}

/// <summary>Lifecycle stage of a shift-episode event.</summary>
public enum EpisodeEventKind
{
    New,
    Update,
    End,
}

/// <summary>
/// One event of a shift episode, created by <see cref="DomainShiftMonitor"/> only on a transition (rare, so it may
/// allocate). <see cref="EventId"/> = <c>&lt;episode id&gt;/&lt;sequence&gt;</c> is stable across re-deliveries, so
/// consumers de-duplicate QoS 1's at-least-once on it.
/// </summary>
public sealed record EpisodeEvent(
    EpisodeEventKind Kind,
    string EpisodeId,
    int Sequence,
    FrameStamp Frame,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    double Score,
    double PeakScore,
    ShiftSignal Dominant,
    double[] Signals,
    double[] ZScores,
    EpisodeEndReason? EndReason = null)
{
    public string EventId => $"{EpisodeId}/{Sequence}";

    /// <summary>Episode duration up to this event.</summary>
    public TimeSpan Duration => (EndedAt ?? Frame.CapturedAt) - StartedAt;

    public string KindName => Kind switch
    {
        EpisodeEventKind.New => "new",
        EpisodeEventKind.Update => "update",
        _ => "end",
    };
}
