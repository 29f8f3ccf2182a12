using MFuser.Edge.Core.DomainShift;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>
/// Whether a recording is wanted at a given time: while an episode is open, while manual recording is on, and for
/// <see cref="FieldLogOptions.PostTrigger"/> after an episode's <c>end</c>. Writer thread only.
/// </summary>
internal sealed class TriggerState(TimeSpan postTrigger)
{
    private readonly long _postNs = (long)postTrigger.TotalMicroseconds * 1000;
    private long _postUntil = long.MinValue;

    /// <summary>The open episode's id (null: none).</summary>
    public string? Episode { get; private set; }

    public bool Manual { get; private set; }

    public bool Wanted(long time) => Episode is not null || Manual || time <= _postUntil;

    /// <summary>Follows an episode event at <paramref name="time"/>: <c>new</c> opens, the same episode's <c>end</c>
    /// closes it and starts the post-trigger time.</summary>
    public void Observe(EpisodeEvent e, long time)
    {
        if (e.Kind == EpisodeEventKind.New)
            Episode = e.EpisodeId;
        else if (e.Kind == EpisodeEventKind.End && Episode == e.EpisodeId)
        {
            Episode = null;
            _postUntil = time + _postNs;
        }
    }

    public void SetManual(bool on) => Manual = on;

    /// <summary>The file-name reason of a recording opened now: the episode's (first 12 characters of its id) while
    /// one is open, else <c>manual</c> while manual recording is on, else <paramref name="otherwise"/>.</summary>
    public string Reason(string otherwise) =>
        Episode is { } id ? $"episode-{id[..Math.Min(12, id.Length)]}" : Manual ? "manual" : otherwise;

    /// <summary>Forgets every trigger (the quota left no room to go on).</summary>
    public void Stop()
    {
        Episode = null;
        Manual = false;
        _postUntil = long.MinValue;
    }
}
