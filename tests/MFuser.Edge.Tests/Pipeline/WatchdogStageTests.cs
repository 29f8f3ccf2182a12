using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="WatchdogStage"/>: frames through the stages are what the frame watchdog counts as progress.</summary>
public sealed class WatchdogStageTests
{
    [Fact]
    public async Task Frames_through_the_stages_are_progress_for_the_watchdog()
    {
        using var harness = new StageHarness();
        var watchdog = new FrameWatchdog(TimeSpan.FromHours(1));
        using var notifier = new SystemdNotifier(null);
        using var petter = new WatchdogPetter(notifier, watchdog);
        await using var stage = new WatchdogStage(watchdog, petter);
        var before = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.Null(watchdog.SinceProgress(before));

        harness.Run([stage], 2);

        var after = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.NotNull(watchdog.SinceProgress(after));
        Assert.True(watchdog.SinceProgress(after) <= System.Diagnostics.Stopwatch.GetElapsedTime(before, after),
            "progress was recorded during the run");
        Assert.True(watchdog.ShouldPet(after));
        var stats = stage.AddStats(DomainShiftStageTests.Empty).Watchdog!;
        Assert.Equal((0.0, 0L), (stats.IntervalS, stats.Pets));
    }
}
