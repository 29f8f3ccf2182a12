using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Pipeline.Stages;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="EpisodeRecorders.Combine"/>: the field log and the console both hear the domain-shift stage.</summary>
public sealed class EpisodeRecordersTests
{
    [Fact]
    public void Combine_passes_every_call_to_each_recorder_that_is_on()
    {
        Assert.Null(EpisodeRecorders.Combine(null, null));
        var one = new Recording();
        Assert.Same(one, EpisodeRecorders.Combine(null, one));
        var two = new Recording();
        var both = EpisodeRecorders.Combine(one, null, two)!;
        var frame = new FrameStamp(7, DateTimeOffset.UnixEpoch);
        both.Signals(frame, "{}"u8);
        both.Episode(null!, [1, 2]);
        Assert.Equal(["signals 7", "episode 2"], one.Calls);
        Assert.Equal(["signals 7", "episode 2"], two.Calls);
    }

    private sealed class Recording : IEpisodeRecorder
    {
        public List<string> Calls { get; } = [];

        public void Episode(EpisodeEvent e, byte[] json) => Calls.Add($"episode {json.Length}");

        public void Signals(in FrameStamp frame, ReadOnlySpan<byte> json) => Calls.Add($"signals {frame.Frame}");
    }
}
