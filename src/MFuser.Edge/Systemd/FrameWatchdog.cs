using System.Diagnostics;

namespace MFuser.Edge.Systemd;

/// <summary>
/// Decides when the systemd watchdog may be petted: only while frames flow. The pipeline calls
/// <see cref="FrameProcessed"/> once per processed frame (one volatile store, no allocation); <see cref="ShouldPet"/>
/// is true while the last frame is younger than the stall time. The clock starts at <see cref="Start"/> (after
/// warm-up, with READY=1), so a daemon that never produces its first frame is caught too. While the camera is known
/// to be away and being reopened (<see cref="SourceAvailable"/> = false) a missing frame is not a stall: the process
/// is alive and waiting, and restarting it would not bring the camera back.
/// </summary>
public sealed class FrameWatchdog(TimeSpan stallAfter)
{
    private long _lastProgress = long.MinValue;
    private volatile bool _sourceAvailable = true;

    /// <summary>How long without a processed frame counts as stuck.</summary>
    public TimeSpan StallAfter { get; } = stallAfter > TimeSpan.Zero
        ? stallAfter
        : throw new ArgumentOutOfRangeException(nameof(stallAfter), stallAfter, "watchdog stall time must be positive");

    /// <summary>Set false while the capture stage is reopening a vanished source; true again once it delivers.</summary>
    public bool SourceAvailable
    {
        get => _sourceAvailable;
        set
        {
            _sourceAvailable = value;
            if (value)
                Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp()); // the stall clock restarts with the source
        }
    }

    /// <summary>Starts the stall clock (call when the daemon reports ready).</summary>
    public void Start() => Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());

    /// <summary>One frame went through the whole pipeline.</summary>
    public void FrameProcessed() => Volatile.Write(ref _lastProgress, Stopwatch.GetTimestamp());

    /// <summary>Time since the last frame (or since <see cref="Start"/>); null before <see cref="Start"/>.</summary>
    public TimeSpan? SinceProgress(long nowTimestamp)
    {
        var last = Volatile.Read(ref _lastProgress);
        return last == long.MinValue ? null : Stopwatch.GetElapsedTime(last, nowTimestamp);
    }

    /// <summary>True when the watchdog may be petted at <paramref name="nowTimestamp"/> (a
    /// <see cref="Stopwatch.GetTimestamp"/> value): started, and frames flowing or the source known to be away.</summary>
    public bool ShouldPet(long nowTimestamp) =>
        SinceProgress(nowTimestamp) is { } since && (since < StallAfter || !_sourceAvailable);
}
