namespace MFuser.Edge.FieldLog.Recording;

/// <summary>
/// The last <see cref="FieldLogOptions.PreTrigger"/> of entries (at most <see cref="FieldLogOptions.PreTriggerMaxBytes"/>
/// of payload), oldest first, so a recording that opens now starts before its trigger. A circular queue: adding
/// allocates nothing once it has grown to its working size. Entries that leave return their buffers to the pool.
/// Writer thread only.
/// </summary>
internal sealed class PreTriggerRing(TimeSpan span, long maxBytes)
{
    private readonly Queue<RecorderItem> _items = new();
    private readonly long _spanNs = (long)span.TotalMicroseconds * 1000;

    public int Count => _items.Count;
    public long Bytes { get; private set; }

    /// <summary>Time of the oldest entry, or null when empty.</summary>
    public long? FirstTime => _items.Count > 0 ? _items.Peek().Time : null;

    /// <summary>Time of the newest entry, or null when empty.</summary>
    public long? LastTime { get; private set; }

    /// <summary>Adds <paramref name="item"/> (the ring now owns its buffer) and lets entries older than the span, or
    /// beyond the byte bound, leave. The newest entry always stays, whatever its size.</summary>
    public void Add(RecorderItem item)
    {
        _items.Enqueue(item);
        Bytes += item.Length;
        LastTime = item.Time;
        var horizon = item.Time - _spanNs;
        while (_items.Count > 1 && _items.Peek() is var first && (first.Time < horizon || Bytes > maxBytes))
        {
            _items.Dequeue();
            Bytes -= first.Length;
            first.Return();
        }
    }

    public Queue<RecorderItem>.Enumerator GetEnumerator() => _items.GetEnumerator();

    public void Clear()
    {
        foreach (var item in _items)
            item.Return();
        _items.Clear();
        Bytes = 0;
        LastTime = null;
    }
}
