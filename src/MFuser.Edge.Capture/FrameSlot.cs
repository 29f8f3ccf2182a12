namespace MFuser.Edge.Capture;

/// <summary>A latest-wins hand-over between the capture thread and the inference stage (triple buffering, no
/// allocation per frame). Capture fills <see cref="WriteBuffer"/> and calls <see cref="Publish"/>, which never waits
/// for the consumer; the consumer's <see cref="Take"/> always returns the newest published frame. A published frame
/// that is replaced before anyone took it is counted in <see cref="Dropped"/>.</summary>
public sealed class FrameSlot : IDisposable
{
    private readonly object _lock = new();
    private CapturedFrame _back = new();
    private CapturedFrame _middle = new();
    private CapturedFrame _front = new();
    private bool _fresh;
    private bool _completed;
    private long _dropped;
    private long _published;

    /// <summary>The buffer the producer fills next. Only the producer thread may touch it.</summary>
    public CapturedFrame WriteBuffer => _back;

    /// <summary>Frames published and then overwritten before the consumer took them.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    /// <summary>Frames published in total.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Makes <see cref="WriteBuffer"/> the newest frame; the producer gets a new write buffer.</summary>
    public void Publish()
    {
        lock (_lock)
        {
            if (_fresh)
                _dropped++;
            (_back, _middle) = (_middle, _back);
            _fresh = true;
            _published++;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for a frame not taken before and returns it; it stays valid
    /// until the next call. Returns null on timeout or after <see cref="Complete"/> when nothing is left.</summary>
    public CapturedFrame? Take(TimeSpan timeout)
    {
        lock (_lock)
        {
            if (!_fresh && !_completed)
                Monitor.Wait(_lock, timeout);
            if (!_fresh)
                return null;
            (_front, _middle) = (_middle, _front);
            _fresh = false;
            return _front;
        }
    }

    /// <summary>Wakes a waiting consumer; no more frames will come.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    public void Dispose()
    {
        _back.Dispose();
        _middle.Dispose();
        _front.Dispose();
    }
}
