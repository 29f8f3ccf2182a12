using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Messaging.Diagnostics;

/// <summary>
/// Log lines for paths that hostile or broken input can drive at any rate: at most one line per <see cref="Interval"/>
/// per kind (a fixed name such as <c>control-rejected</c>); lines held back are counted and the next line of that kind
/// says how many. <see cref="Once"/> logs a key (e.g. a topic) only the first time. Both remember a bounded number of
/// kinds and keys, so hostile input cannot grow them. Thread-safe.
/// </summary>
internal sealed class RateLimitedLog(ILogger log, TimeProvider? time = null)
{
    private const int MaxKinds = 256;
    private const int MaxOnceKeys = 1024;
    private const string OverflowKind = "(other)";

    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<string, (long Next, int Suppressed)> _kinds = new(StringComparer.Ordinal);
    private readonly HashSet<string> _onceKeys = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    /// <summary>Shortest time between two lines of one kind.</summary>
    public static TimeSpan Interval { get; } = TimeSpan.FromSeconds(1);

    /// <summary>The logger lines go to (for lines that are not rate-limited).</summary>
    public ILogger Logger => log;

    /// <summary>Logs <paramref name="message"/> (a message template with <paramref name="args"/>) unless a line of
    /// <paramref name="kind"/> went out less than <see cref="Interval"/> ago; returns whether it was logged.</summary>
    public bool Log(LogLevel level, string kind, string message, params object?[] args)
    {
        int suppressed;
        lock (_lock)
        {
            if (!_kinds.ContainsKey(kind) && _kinds.Count >= MaxKinds)
                kind = OverflowKind;
            var now = _time.GetTimestamp();
            _kinds.TryGetValue(kind, out var state);
            if (state.Next != 0 && now < state.Next)
            {
                _kinds[kind] = (state.Next, state.Suppressed + 1);
                return false;
            }
            suppressed = state.Suppressed;
            _kinds[kind] = (now + (long)(Interval.TotalSeconds * _time.TimestampFrequency), 0);
        }
        if (suppressed == 0)
            log.Log(level, message, args);
        else
            log.Log(level, message + " ({Suppressed} more like this not logged)", [.. args, suppressed]);
        return true;
    }

    /// <summary>Logs <paramref name="message"/> the first time <paramref name="key"/> is seen; once
    /// <see cref="MaxOnceKeys"/> keys are remembered, further new keys fall back to <see cref="Log"/> under
    /// <paramref name="kind"/>.</summary>
    public void Once(LogLevel level, string kind, string key, string message, params object?[] args)
    {
        bool isNew, remembered;
        lock (_lock)
        {
            isNew = !_onceKeys.Contains(key);
            remembered = isNew && _onceKeys.Count < MaxOnceKeys && _onceKeys.Add(key);
        }
        if (remembered)
            log.Log(level, message, args);
        else if (isNew)
            Log(level, kind, message, args);
    }
}
