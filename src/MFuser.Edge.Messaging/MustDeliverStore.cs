namespace MFuser.Edge.Messaging;

/// <summary>A message that must reach the broker (QoS 1), e.g. a domain-shift episode event.</summary>
public sealed record MustDeliverMessage(string Topic, byte[] Payload, bool Retain = false);

/// <summary>
/// Holds must-deliver messages in order until the broker has acknowledged them. <see cref="MqttLink"/> peeks the
/// oldest, publishes it with QoS 1 and removes it only after the PUBACK, so a message survives a connection lost in
/// flight (it may then arrive twice: at-least-once). Implementations must be thread-safe for one producer thread
/// plus the link's sender. The in-memory store is the default; a disk spool that survives restarts implements the
/// same interface.
/// </summary>
public interface IMustDeliverStore
{
    /// <summary>Appends a message; false when the store is full (the caller counts the loss).</summary>
    bool TryAdd(MustDeliverMessage message);

    /// <summary>The oldest message not yet acknowledged, without removing it.</summary>
    bool TryPeek(out MustDeliverMessage message);

    /// <summary>Removes the oldest message (after the broker acknowledged it).</summary>
    void RemoveOldest();

    int Count { get; }
}

/// <summary>A bounded in-memory <see cref="IMustDeliverStore"/>: messages survive broker outages, not restarts.</summary>
public sealed class InMemoryMustDeliverStore(int capacity = 1000) : IMustDeliverStore
{
    private readonly Queue<MustDeliverMessage> _queue = new();
    private readonly Lock _lock = new();

    public bool TryAdd(MustDeliverMessage message)
    {
        lock (_lock)
        {
            if (_queue.Count >= capacity)
                return false;
            _queue.Enqueue(message);
            return true;
        }
    }

    public bool TryPeek(out MustDeliverMessage message)
    {
        lock (_lock)
            return _queue.TryPeek(out message!);
    }

    public void RemoveOldest()
    {
        lock (_lock)
            _queue.TryDequeue(out _);
    }

    public int Count
    {
        get
        {
            lock (_lock)
                return _queue.Count;
        }
    }
}
