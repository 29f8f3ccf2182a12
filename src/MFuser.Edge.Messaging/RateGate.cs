using System.Diagnostics;

namespace MFuser.Edge.Messaging;

/// <summary>
/// Lets at most <see cref="Hz"/> events per second through, for rate-limited topics (segmentation, overlay): the
/// caller asks before it even encodes the image. Over time exactly Hz events pass when offered more often; after a
/// pause the next event passes at once, without a burst. <see cref="Hz"/> = 0 closes the gate. The gate is used by
/// one thread; <see cref="Hz"/> may be changed from any thread (runtime settings).
/// </summary>
public sealed class RateGate
{
    private long _periodTicks;
    private long _next = long.MinValue;

    public RateGate(double hz) => Hz = hz;

    /// <summary>Events per second; 0 = none pass.</summary>
    public double Hz
    {
        get
        {
            var p = Volatile.Read(ref _periodTicks);
            return p == long.MaxValue ? 0 : Stopwatch.Frequency / (double)p;
        }
        set
        {
            if (!(value >= 0 && double.IsFinite(value)))
                throw new ArgumentOutOfRangeException(nameof(value), $"rate must be a finite number ≥ 0 Hz, got {value}");
            Volatile.Write(ref _periodTicks, value == 0 ? long.MaxValue : Math.Max(1, (long)(Stopwatch.Frequency / value)));
            _next = long.MinValue;
        }
    }

    /// <summary>True if an event may pass now.</summary>
    public bool TryEnter() => TryEnter(Stopwatch.GetTimestamp());

    /// <summary>True if an event may pass at <paramref name="timestamp"/> (<see cref="Stopwatch"/> ticks).</summary>
    public bool TryEnter(long timestamp)
    {
        var period = Volatile.Read(ref _periodTicks);
        if (period == long.MaxValue || timestamp < _next)
            return false;
        // Keep the cadence when events come often; restart it after a pause longer than one period.
        _next = _next != long.MinValue && timestamp - _next < period ? _next + period : timestamp + period;
        return true;
    }
}
