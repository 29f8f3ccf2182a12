using Microsoft.Extensions.Time.Testing;

namespace MFuser.Edge.Web.Tests;

public class ConsoleFeedTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 16, 2, 48, 0, TimeSpan.Zero);

    [Fact]
    public void Nothing_is_due_while_nobody_watches()
    {
        var time = new FakeTimeProvider(At);
        using var feed = new ConsoleFeed(5, time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(ConsoleView.None, feed.DueViews());
            time.Advance(TimeSpan.FromMilliseconds(33));
        }
    }

    [Fact]
    public void Watched_views_are_due_at_most_fps_times_a_second()
    {
        var time = new FakeTimeProvider(At);
        using var feed = new ConsoleFeed(5, time);
        var viewer = feed.Viewers.TryAdd(ConsoleView.Overlay, "test", At)!;
        var due = 0;
        for (var frame = 0; frame < 300; frame++)
        {
            var views = feed.DueViews();
            if (views != ConsoleView.None)
            {
                Assert.Equal(ConsoleView.Overlay, views);
                due++;
            }
            time.Advance(TimeSpan.FromMilliseconds(1000.0 / 30));
        }
        Assert.Equal(50, due);
        feed.Viewers.Remove(viewer);
        Assert.Equal(ConsoleView.None, feed.DueViews());
    }

    [Fact]
    public void Slow_frames_are_each_due_without_building_up_a_backlog()
    {
        var time = new FakeTimeProvider(At);
        using var feed = new ConsoleFeed(5, time);
        feed.Viewers.TryAdd(ConsoleView.Camera, "test", At);
        Assert.Equal(ConsoleView.Camera, feed.DueViews());
        time.Advance(TimeSpan.FromSeconds(3));
        Assert.Equal(ConsoleView.Camera, feed.DueViews());
        Assert.Equal(ConsoleView.None, feed.DueViews());
        time.Advance(TimeSpan.FromMilliseconds(199));
        Assert.Equal(ConsoleView.None, feed.DueViews());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal(ConsoleView.Camera, feed.DueViews());
    }

    [Fact]
    public void An_image_request_keeps_its_view_wanted_for_a_while()
    {
        var time = new FakeTimeProvider(At);
        using var feed = new ConsoleFeed(5, time);
        feed.RequestView(ConsoleView.LabelIds);
        feed.Viewers.TryAdd(ConsoleView.LabelColors, "test", At);
        Assert.Equal(ConsoleView.LabelIds | ConsoleView.LabelColors, feed.WantedViews);
        time.Advance(ConsoleFeed.DemandLinger - TimeSpan.FromMilliseconds(1));
        Assert.True(feed.WantedViews.HasFlag(ConsoleView.LabelIds));
        time.Advance(TimeSpan.FromMilliseconds(2));
        Assert.Equal(ConsoleView.LabelColors, feed.WantedViews);
    }

    [Fact]
    public void The_per_frame_calls_allocate_nothing()
    {
        var time = new FakeTimeProvider(At);
        using var feed = new ConsoleFeed(30, time);
        feed.Viewers.TryAdd(ConsoleView.Overlay, "test", At);
        var json = new byte[900];
        var jpeg = new byte[40_000];
        long allocated = 0;
        for (var i = 0; i < 1100; i++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            if ((feed.DueViews() & ConsoleView.Overlay) != 0)
                feed.PublishImage(ConsoleView.Overlay, jpeg, i, At);
            feed.PublishDrivable(json);
            feed.PublishShiftScore(At.AddMilliseconds(i * 33), i % 5);
            if (i >= 100)
                allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            time.Advance(TimeSpan.FromMilliseconds(33));
        }
        Assert.Equal(0, allocated);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"a\":1} {\"b\":2}")]
    [InlineData("{\"a\":")]
    public void Episode_events_must_be_one_json_object(string json)
    {
        using var feed = new ConsoleFeed();
        Assert.Throws<ArgumentException>(() => feed.PublishEpisodeEvent(System.Text.Encoding.UTF8.GetBytes(json)));
        Assert.Equal(0, feed.Episodes.Count);
    }

    [Fact]
    public void Readiness_comes_from_the_daemons_probe()
    {
        using var feed = new ConsoleFeed();
        Assert.Equal(ConsoleReadiness.NotReady("the daemon has not reported readiness yet"), feed.Readiness());
        var ready = false;
        feed.SetReadiness(() => ready ? ConsoleReadiness.Ready() : ConsoleReadiness.NotReady("model warming up"));
        Assert.Equal("model warming up", feed.Readiness().Reason);
        ready = true;
        Assert.True(feed.Readiness().IsReady);
        feed.SetReadiness(() => throw new InvalidOperationException("boom"));
        Assert.Equal(ConsoleReadiness.NotReady("the readiness probe failed: boom"), feed.Readiness());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    [InlineData(double.NaN)]
    public void Refuses_an_fps_outside_the_option_range(double fps) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new ConsoleFeed(fps));

    [Fact]
    public void Refuses_a_combined_view_for_an_image()
    {
        using var feed = new ConsoleFeed();
        Assert.Throws<ArgumentOutOfRangeException>(() => feed.PublishImage(ConsoleView.Camera | ConsoleView.Overlay, [1], 0, At));
    }
}
