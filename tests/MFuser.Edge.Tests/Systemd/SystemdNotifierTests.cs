using MFuser.TestSupport;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Tests.Systemd;

public class SystemdNotifierTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Messages_arrive_on_the_notify_socket(bool abstractName)
    {
        using var socket = new NotifySocket(abstractName);
        using var notifier = new SystemdNotifier(socket.Address, watchdogUsec: "30000000");
        Assert.True(notifier.IsEnabled);
        Assert.Equal(TimeSpan.FromSeconds(30), notifier.WatchdogTimeout);
        Assert.True(notifier.ExtendTimeout(TimeSpan.FromMinutes(20), "building TensorRT engine"));
        Assert.True(notifier.Ready("running: model m v1 on cuda"));
        Assert.True(notifier.Watchdog());
        Assert.True(notifier.Status("fps 30\nsecond line"));
        Assert.True(notifier.Stopping());
        Wait.Until(() => socket.Received.Count == 5, () => $"5 datagrams, have {socket.Received.Count}");
        Assert.Equal(
        [
            "EXTEND_TIMEOUT_USEC=1200000000\nSTATUS=building TensorRT engine",
            "READY=1\nSTATUS=running: model m v1 on cuda",
            "WATCHDOG=1",
            "STATUS=fps 30 second line",
            "STOPPING=1\nSTATUS=stopping",
        ], socket.Received.Select(r => r.Text));
        Assert.Equal((5, 0), notifier.Counters);
    }

    [Fact]
    public void Without_notify_socket_everything_is_a_no_op()
    {
        using var notifier = new SystemdNotifier(null, "1000000");
        Assert.False(notifier.IsEnabled);
        Assert.False(notifier.Ready());
        Assert.False(notifier.Watchdog());
    }

    [Fact]
    public void Watchdog_meant_for_another_pid_is_ignored_and_a_vanished_socket_counts_failures()
    {
        Assert.Null(new SystemdNotifier("/nonexistent/notify.sock", "1000000", watchdogPid: "1").WatchdogTimeout);
        Assert.NotNull(new SystemdNotifier("/nonexistent/notify.sock", "1000000", watchdogPid: Environment.ProcessId.ToString()).WatchdogTimeout);
        using var notifier = new SystemdNotifier("/nonexistent/notify.sock");
        Assert.False(notifier.Ready());
        Assert.Equal((0, 1), notifier.Counters);
    }

    [Fact]
    public void Petter_pets_only_while_frames_flow_and_resumes_when_they_return()
    {
        using var socket = new NotifySocket();
        // WatchdogSec = 200 ms → pet every 100 ms; a stall is 1 s without a frame
        using var notifier = new SystemdNotifier(socket.Address, watchdogUsec: "200000");
        var policy = new FrameWatchdog(TimeSpan.FromSeconds(1));
        using var petter = new WatchdogPetter(notifier, policy);
        Assert.Equal(TimeSpan.FromMilliseconds(100), petter.Interval);
        petter.Start();

        var flowing = true;
        var frames = new Thread(() =>
        {
            while (Volatile.Read(ref flowing))
            {
                policy.FrameProcessed();
                Thread.Sleep(10);
            }
        });
        frames.Start();
        Wait.Until(() => petter.Pets >= 5, () => $"5 pets while frames flow, have {petter.Pets}");
        Assert.Equal(0, petter.Stalls);
        Volatile.Write(ref flowing, false);
        frames.Join();
        // frames stop: petting must stop within the stall time plus one interval, with a STATUS saying why
        Wait.Until(() => petter.Stalls == 1, () => "a stall");
        var petsAtStall = petter.Pets;
        Thread.Sleep(500); // five intervals, still no frame
        Assert.Equal(petsAtStall, petter.Pets);
        Assert.Contains(socket.Received, r => r.Text.StartsWith("STATUS=stalled: no frame processed for", StringComparison.Ordinal));
        var lastPet = socket.Received.Last(r => r.Text == "WATCHDOG=1").At;
        var stallStatus = socket.Received.First(r => r.Text.StartsWith("STATUS=stalled", StringComparison.Ordinal)).At;
        Assert.True(stallStatus >= lastPet);

        // frames come back before systemd acted: petting resumes
        policy.FrameProcessed();
        Wait.Until(() => petter.Pets > petsAtStall, () => "petting resumed");
        Assert.Contains(socket.Received, r => r.Text == "STATUS=frames flowing again");
    }

    [Fact]
    public void Policy_tolerates_a_known_absent_source_and_restarts_the_clock_when_it_returns()
    {
        var policy = new FrameWatchdog(TimeSpan.FromMilliseconds(100));
        var now = System.Diagnostics.Stopwatch.GetTimestamp();
        Assert.False(policy.ShouldPet(now)); // not started
        policy.Start();
        Assert.True(policy.ShouldPet(System.Diagnostics.Stopwatch.GetTimestamp()));
        var later = System.Diagnostics.Stopwatch.GetTimestamp() + System.Diagnostics.Stopwatch.Frequency; // +1 s
        Assert.False(policy.ShouldPet(later)); // no frame since start: stalled
        policy.SourceAvailable = false;
        Assert.True(policy.ShouldPet(later));
        policy.SourceAvailable = true;
        Assert.True(policy.ShouldPet(System.Diagnostics.Stopwatch.GetTimestamp()));
        Assert.Throws<ArgumentOutOfRangeException>(() => new FrameWatchdog(TimeSpan.Zero));
    }
}
