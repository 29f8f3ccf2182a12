using System.Collections.Concurrent;

namespace MFuser.Edge.Core.Control;

/// <summary>Thread-safe counts of control messages: accepted, rejected (failed validation or a rate limit: nothing
/// changed) and failed (valid, but the handler reported an error), in total, per setting/command name and, for
/// rejections, per <see cref="RejectReason"/>.</summary>
public sealed class ControlCounters
{
    private readonly ConcurrentDictionary<string, long[]> _byName = new(StringComparer.Ordinal);
    private readonly long[] _byReason = new long[RejectReason.All.Count];
    private long _accepted, _rejected, _failed;

    public long Accepted => Interlocked.Read(ref _accepted);
    public long Rejected => Interlocked.Read(ref _rejected);
    public long Failed => Interlocked.Read(ref _failed);

    /// <summary>(accepted, rejected, failed) for one name; names outside the schema are counted under "unknown".</summary>
    public (long Accepted, long Rejected, long Failed) For(string name) =>
        _byName.TryGetValue(name, out var c) ? (Interlocked.Read(ref c[0]), Interlocked.Read(ref c[1]), Interlocked.Read(ref c[2])) : (0, 0, 0);

    /// <summary>Rejections per <see cref="RejectReason"/> (every reason, zeros included).</summary>
    public IReadOnlyDictionary<string, long> RejectedByReason() =>
        RejectReason.All.Select((r, i) => KeyValuePair.Create(r, Interlocked.Read(ref _byReason[i]))).ToDictionary();

    internal void Accept(string name) => Count(name, 0, ref _accepted);

    internal void Reject(string name, string reason)
    {
        var index = RejectReason.IndexOf(reason);
        Interlocked.Increment(ref _byReason[index >= 0 ? index : throw new ArgumentException($"unknown reject reason '{reason}'", nameof(reason))]);
        Count(name, 1, ref _rejected);
    }

    internal void Fail(string name) => Count(name, 2, ref _failed);

    private void Count(string name, int slot, ref long total)
    {
        Interlocked.Increment(ref total);
        var known = ControlSchema.Settings.Any(s => s.Name == name) || ControlSchema.Commands.Any(c => c.Name == name);
        Interlocked.Increment(ref _byName.GetOrAdd(known ? name : "unknown", _ => new long[3])[slot]);
    }
}
