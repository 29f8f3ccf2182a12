using MFuser.Edge.Inference;
using MFuser.Edge.Pipeline;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="FrameHandoff"/>, the double buffer between the inference thread and the stage thread: the
/// writer never waits, the reader gets the newest completed frame, and every frame it misses is counted.</summary>
public sealed class FrameHandoffTests : IDisposable
{
    private readonly SegmentationSession _session =
        SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage), SessionSettings.CpuOnly with { IntraOpThreads = 1 });

    private static void Complete(FrameHandoff handoff, long id)
    {
        var f = handoff.BeginWrite();
        f.FrameId = id;
        handoff.Publish(f);
    }

    [Fact]
    public void The_reader_gets_the_newest_completed_frame_and_older_unread_ones_are_skipped()
    {
        using var handoff = new FrameHandoff(_session);
        Complete(handoff, 1);
        Complete(handoff, 2);
        Complete(handoff, 3);
        var taken = handoff.Take(TimeSpan.Zero)!;
        Assert.Equal(3, taken.FrameId);
        Assert.Equal((2L, 3L), (handoff.Skipped, handoff.Published));
        Assert.Null(handoff.Take(TimeSpan.Zero));
        handoff.Release(taken);
    }

    [Fact]
    public void While_the_reader_holds_a_frame_the_writer_never_waits_and_never_touches_it()
    {
        using var handoff = new FrameHandoff(_session);
        Complete(handoff, 1);
        var held = handoff.Take(TimeSpan.Zero)!;
        held.Buffers.Input[0] = 42;
        for (var id = 2; id <= 50; id++)
        {
            var f = handoff.BeginWrite();
            Assert.NotSame(held, f);
            f.Buffers.Input[0] = 7;
            f.FrameId = id;
            handoff.Publish(f);
        }
        Assert.Equal((42, 1L), (held.Buffers.Input[0], held.FrameId));
        Assert.Equal(48, handoff.Skipped);
        handoff.Release(held);
        Assert.Equal(50, handoff.Take(TimeSpan.Zero)!.FrameId);
    }

    [Fact]
    public void Complete_wakes_the_reader_and_drains_after_the_last_frame()
    {
        using var handoff = new FrameHandoff(_session);
        var reader = Task.Run(() => handoff.Take(TimeSpan.FromMinutes(1)));
        Thread.Sleep(50);
        Complete(handoff, 9);
        var last = reader.Result!;
        Assert.Equal(9, last.FrameId);
        handoff.Complete();
        Assert.False(handoff.IsDrained && handoff.Take(TimeSpan.Zero) is not null);
        handoff.Release(last);
        Assert.Null(handoff.Take(TimeSpan.FromMinutes(1)));
        Assert.True(handoff.IsDrained);
    }

    public void Dispose() => _session.Dispose();
}
