namespace MFuser.Edge.Web.Feed;

/// <summary>One reference-counted copy of a payload, owned by a <see cref="PayloadSlot"/> and reused once no reader
/// holds it, so steady-state publishing allocates nothing.</summary>
internal sealed class PayloadBuffer
{
    private byte[] _data = [];
    private int _refs;

    public int Length { get; private set; }

    /// <summary>Slot-wide sequence number of this payload (1, 2, …); gaps seen by a reader are payloads it skipped.</summary>
    public long Version { get; private set; }

    /// <summary>The camera frame the payload describes (-1 when the caller gave none).</summary>
    public long Frame { get; private set; }

    public DateTimeOffset CapturedAt { get; private set; }

    /// <summary>Monotonic timestamp (<see cref="TimeProvider.GetTimestamp"/>) of the publish.</summary>
    public long PublishedAt { get; private set; }

    public ReadOnlyMemory<byte> Memory => _data.AsMemory(0, Length);

    /// <summary>Copies <paramref name="source"/> in (growing the array only when it is too small) and sets the
    /// reference count to one: the slot's own reference.</summary>
    public void Fill(ReadOnlySpan<byte> source, long version, long frame, DateTimeOffset capturedAt, long publishedAt)
    {
        if (_data.Length < source.Length)
            _data = new byte[Math.Max(256, (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)source.Length))];
        source.CopyTo(_data);
        Length = source.Length;
        Version = version;
        Frame = frame;
        CapturedAt = capturedAt;
        PublishedAt = publishedAt;
        Volatile.Write(ref _refs, 1);
    }

    /// <summary>Takes a reference unless the buffer is already free (count zero, about to be reused).</summary>
    public bool TryAddRef()
    {
        while (true)
        {
            var refs = Volatile.Read(ref _refs);
            if (refs == 0)
                return false;
            if (Interlocked.CompareExchange(ref _refs, refs + 1, refs) == refs)
                return true;
        }
    }

    /// <summary>Drops one reference; true when it was the last.</summary>
    public bool Release() => Interlocked.Decrement(ref _refs) == 0;
}
