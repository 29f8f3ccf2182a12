namespace MFuser.Edge.Web.Feed;

/// <summary>The most recent domain-shift episode events (raw JSON payloads as published on MQTT), oldest first,
/// at most <see cref="Capacity"/>. Events are rare (a transition or a periodic update), so each is copied.</summary>
internal sealed class EpisodeLog
{
    public const int Capacity = 100;

    private readonly object _gate = new();
    private readonly Queue<byte[]> _events = new(Capacity);

    public int Count
    {
        get { lock (_gate) return _events.Count; }
    }

    public void Add(ReadOnlySpan<byte> json)
    {
        var copy = json.ToArray();
        lock (_gate)
        {
            if (_events.Count == Capacity)
                _events.Dequeue();
            _events.Enqueue(copy);
        }
    }

    /// <summary>The events as one JSON array, byte for byte as published, separated by commas.</summary>
    public byte[] ToJsonArray()
    {
        byte[][] events;
        lock (_gate)
            events = _events.ToArray();
        var length = 2 + events.Sum(e => e.Length) + Math.Max(0, events.Length - 1);
        var result = new byte[length];
        var at = 0;
        result[at++] = (byte)'[';
        for (var i = 0; i < events.Length; i++)
        {
            if (i > 0)
                result[at++] = (byte)',';
            events[i].CopyTo(result, at);
            at += events[i].Length;
        }
        result[at] = (byte)']';
        return result;
    }
}
