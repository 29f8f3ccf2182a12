using System.Diagnostics.Metrics;

namespace MFuser.Edge.Web.Streaming;

/// <summary>The connected MJPEG viewers, bounded by <see cref="MaxViewers"/>. Adding and removing happen once per
/// connection; the frame path only reads <see cref="WatchedViews"/>, a plain field.</summary>
internal sealed class ViewerRegistry(int maxViewers)
{
    private readonly object _gate = new();
    private readonly List<Viewer> _viewers = [];
    private long _nextId;
    private int _watched;
    private long _framesSent;
    private long _framesDropped;
    private long _viewersDropped;

    public int MaxViewers { get; } = maxViewers;

    public int Count
    {
        get { lock (_gate) return _viewers.Count; }
    }

    /// <summary>The views at least one viewer is watching now.</summary>
    public ConsoleView WatchedViews => (ConsoleView)Volatile.Read(ref _watched);

    /// <summary>Frames written to viewers since start, all views.</summary>
    public long FramesSent => Interlocked.Read(ref _framesSent);

    /// <summary>Frames viewers skipped (latest wins) since start, all views.</summary>
    public long FramesDropped => Interlocked.Read(ref _framesDropped);

    /// <summary>Viewers closed for not reading, or refused over <see cref="MaxViewers"/>, since start.</summary>
    public long ViewersDropped => Interlocked.Read(ref _viewersDropped);

    public void CountSent(Viewer viewer)
    {
        viewer.CountSent();
        Interlocked.Increment(ref _framesSent);
    }

    public void CountDropped(Viewer viewer, long frames)
    {
        viewer.CountDropped(frames);
        Interlocked.Add(ref _framesDropped, frames);
    }

    public void CountViewerDropped() => Interlocked.Increment(ref _viewersDropped);

    /// <summary>Registers a viewer; null when <see cref="MaxViewers"/> are already connected.</summary>
    public Viewer? TryAdd(ConsoleView view, string remote, DateTimeOffset now)
    {
        lock (_gate)
        {
            if (_viewers.Count >= MaxViewers)
                return null;
            var viewer = new Viewer(++_nextId, view, remote, now);
            _viewers.Add(viewer);
            Recompute();
            return viewer;
        }
    }

    public void Remove(Viewer viewer)
    {
        lock (_gate)
        {
            _viewers.Remove(viewer);
            Recompute();
        }
    }

    public Viewer[] Snapshot()
    {
        lock (_gate)
            return [.. _viewers];
    }

    /// <summary>The viewer count per streamable view, for the viewers gauge (every view, zeros included).</summary>
    public IEnumerable<Measurement<int>> Measure()
    {
        var viewers = Snapshot();
        return ViewNames.Streamable.Select(view => new Measurement<int>(
            viewers.Count(v => v.View == view), new KeyValuePair<string, object?>("view", ViewNames.Name(view))));
    }

    private void Recompute()
    {
        var watched = ConsoleView.None;
        foreach (var viewer in _viewers)
            watched |= viewer.View;
        Volatile.Write(ref _watched, (int)watched);
    }
}
