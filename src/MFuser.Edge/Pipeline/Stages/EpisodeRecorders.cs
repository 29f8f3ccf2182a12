using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>Joins the recorders a domain-shift stage reports to (the field log, the web console) into one.</summary>
public static class EpisodeRecorders
{
    /// <summary>Null when none is on, the one when one is, else a recorder that passes each call to every one in order.</summary>
    public static IEpisodeRecorder? Combine(params IEpisodeRecorder?[] recorders)
    {
        var on = recorders.OfType<IEpisodeRecorder>().ToArray();
        return on.Length switch
        {
            0 => null,
            1 => on[0],
            _ => new All(on),
        };
    }

    private sealed class All(IEpisodeRecorder[] recorders) : IEpisodeRecorder
    {
        public void Episode(EpisodeEvent e, byte[] json)
        {
            foreach (var r in recorders)
                r.Episode(e, json);
        }

        public void Signals(in FrameStamp frame, ReadOnlySpan<byte> json)
        {
            foreach (var r in recorders)
                r.Signals(frame, json);
        }
    }
}
