namespace MFuser.Edge.Web.Feed;

/// <summary>The newest payload of one kind (latest wins). Publishing copies into a recycled buffer and swaps one
/// reference, without locks or waiting; readers lease the current buffer, so a slow reader holds at most one buffer
/// and never makes the slot grow.</summary>
internal sealed class PayloadSlot
{
    private const int Spares = 4;

    private readonly PayloadBuffer?[] _spare = new PayloadBuffer?[Spares];
    private PayloadBuffer? _current;
    private long _version;
    private int _alive;
    private int _waiting;
    private TaskCompletionSource _next = NewSignal();

    /// <summary>Buffers this slot has allocated and not let go of: the current one, those leased, the spares.</summary>
    public int BuffersAlive => Volatile.Read(ref _alive);

    /// <summary>Version of the newest payload; 0 before the first.</summary>
    public long Version => Volatile.Read(ref _version);

    /// <summary>Replaces the newest payload by a copy of <paramref name="data"/>. Wakes readers waiting in
    /// <see cref="NextPublish"/> (their continuations run on the thread pool, not here).</summary>
    public void Publish(ReadOnlySpan<byte> data, long frame, DateTimeOffset capturedAt, long timestamp)
    {
        var buffer = RentSpare() ?? NewBuffer();
        buffer.Fill(data, Interlocked.Increment(ref _version), frame, capturedAt, timestamp);
        var old = Interlocked.Exchange(ref _current, buffer);
        if (old is not null)
            Return(old);
        if (Interlocked.Exchange(ref _waiting, 0) == 1)
            Interlocked.Exchange(ref _next, NewSignal()).TrySetResult();
    }

    /// <summary>Leases the newest payload (default lease when there is none yet). Dispose the lease.</summary>
    public PayloadLease Acquire()
    {
        while (true)
        {
            var buffer = Volatile.Read(ref _current);
            if (buffer is null)
                return default;
            if (!buffer.TryAddRef())
                continue;
            if (ReferenceEquals(Volatile.Read(ref _current), buffer))
                return new PayloadLease(this, buffer);
            Return(buffer);
        }
    }

    /// <summary>A task that completes at the next publish. Take it before checking <see cref="Version"/> so a
    /// publish between the check and the wait is never missed.</summary>
    public Task NextPublish()
    {
        Interlocked.Exchange(ref _waiting, 1);
        return Volatile.Read(ref _next).Task;
    }

    internal void Return(PayloadBuffer buffer)
    {
        if (!buffer.Release())
            return;
        for (var i = 0; i < Spares; i++)
        {
            if (Interlocked.CompareExchange(ref _spare[i], buffer, null) is null)
                return;
        }
        Interlocked.Decrement(ref _alive);
    }

    private PayloadBuffer? RentSpare()
    {
        for (var i = 0; i < Spares; i++)
        {
            var buffer = Interlocked.Exchange(ref _spare[i], null);
            if (buffer is not null)
                return buffer;
        }
        return null;
    }

    private PayloadBuffer NewBuffer()
    {
        Interlocked.Increment(ref _alive);
        return new PayloadBuffer();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
