namespace MFuser.Edge.Systemd;

/// <summary>
/// Sends <c>WATCHDOG=1</c> every half <c>WatchdogSec</c> while <see cref="FrameWatchdog.ShouldPet"/> holds; when
/// frames stop for the stall time it stops petting (systemd then kills and, with <c>Restart=on-failure</c>, restarts
/// the daemon) and says why once in STATUS. Resumes if frames come back before systemd acts. Inactive (no thread)
/// when the service has no watchdog.
/// </summary>
public sealed class WatchdogPetter : IDisposable
{
    private readonly SystemdNotifier _notifier;
    private readonly FrameWatchdog _policy;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private Thread? _thread;
    private long _pets, _stalls;

    public WatchdogPetter(SystemdNotifier notifier, FrameWatchdog policy)
    {
        _notifier = notifier;
        _policy = policy;
        _interval = notifier.WatchdogTimeout is { } timeout ? timeout / 2 : TimeSpan.Zero;
    }

    /// <summary>Petting interval (half of WatchdogSec); zero when there is no watchdog.</summary>
    public TimeSpan Interval => _interval;

    /// <summary>Watchdog datagrams sent.</summary>
    public long Pets => Interlocked.Read(ref _pets);

    /// <summary>Times petting stopped because frames stopped.</summary>
    public long Stalls => Interlocked.Read(ref _stalls);

    /// <summary>Starts the stall clock and, if the service has a watchdog, the petting thread. Call right after READY=1.</summary>
    public void Start()
    {
        _policy.Start();
        if (_interval <= TimeSpan.Zero || !_notifier.IsEnabled || _thread is not null)
            return;
        _thread = new Thread(Loop) { IsBackground = true, Name = "systemd-watchdog" };
        _thread.Start();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _thread?.Join(TimeSpan.FromSeconds(5));
        _stop.Dispose();
    }

    private void Loop()
    {
        var stalled = false;
        do
        {
            var now = System.Diagnostics.Stopwatch.GetTimestamp();
            if (_policy.ShouldPet(now))
            {
                if (stalled)
                    _notifier.Status("frames flowing again");
                stalled = false;
                if (_notifier.Watchdog())
                    Interlocked.Increment(ref _pets);
            }
            else if (!stalled)
            {
                stalled = true;
                Interlocked.Increment(ref _stalls);
                _notifier.Status($"stalled: no frame processed for {_policy.SinceProgress(now)?.TotalSeconds:0.0} s; watchdog no longer petted");
            }
        } while (!_stop.Token.WaitHandle.WaitOne(_interval));
    }
}
