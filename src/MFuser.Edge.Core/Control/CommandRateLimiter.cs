namespace MFuser.Edge.Core.Control;

/// <summary>
/// At most N runs per minute of each command: a token bucket per command holding up to N tokens, refilled at N per
/// minute, so a burst of N passes and then one every 60/N seconds. Thread-safe; time from a <see cref="TimeProvider"/>
/// so tests can step it.
/// </summary>
internal sealed class CommandRateLimiter
{
    private readonly TimeProvider _time;
    private readonly Dictionary<string, Bucket> _buckets;
    private readonly Lock _lock = new();

    /// <param name="perMinute">Runs per minute by command name (each ≥ 1).</param>
    public CommandRateLimiter(IReadOnlyDictionary<string, int> perMinute, TimeProvider time)
    {
        _time = time;
        _buckets = perMinute.ToDictionary(kv => kv.Key, kv => new Bucket(kv.Value, time.GetTimestamp()), StringComparer.Ordinal);
    }

    /// <summary>The limit of <paramref name="command"/>, runs per minute.</summary>
    public int PerMinute(string command) => _buckets[command].PerMinute;

    /// <summary>Takes a token; false (and how long until the next one) when the command is over its limit.</summary>
    public bool TryTake(string command, out TimeSpan retryAfter)
    {
        var bucket = _buckets[command];
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var minutes = _time.GetElapsedTime(bucket.Updated, now).TotalMinutes;
            bucket.Tokens = Math.Min(bucket.PerMinute, bucket.Tokens + minutes * bucket.PerMinute);
            bucket.Updated = now;
            if (bucket.Tokens >= 1)
            {
                bucket.Tokens -= 1;
                retryAfter = TimeSpan.Zero;
                return true;
            }
            retryAfter = TimeSpan.FromMinutes((1 - bucket.Tokens) / bucket.PerMinute);
            return false;
        }
    }

    private sealed class Bucket(int perMinute, long now)
    {
        public int PerMinute { get; } = perMinute;
        public double Tokens { get; set; } = perMinute;
        public long Updated { get; set; } = now;
    }
}
