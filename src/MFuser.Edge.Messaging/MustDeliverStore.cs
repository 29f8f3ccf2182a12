namespace MFuser.Edge.Messaging;

/// <summary>A message that must reach the broker (QoS 1), e.g. a domain-shift episode event.</summary>
public sealed record MustDeliverMessage(string Topic, byte[] Payload, bool Retain = false);

/// <summary>
/// The must-deliver store: holds must-deliver messages in order until the broker has acknowledged them.
/// <see cref="MqttLink"/> peeks the oldest, publishes it with QoS 1 and removes it only after the PUBACK, so a message
/// survives a connection lost in flight (it may then arrive twice: at-least-once); a message that can never be
/// delivered is removed too, and counted as dead-lettered. Two implementations: <see cref="InMemoryMustDeliverStore"/>
/// (the default) and the disk spool <c>Spool.DiskSpool</c> (<c>spool.dir</c>), which survives restarts.
/// Implementations must be thread-safe for one producer thread plus the link's sender.
/// </summary>
public interface IMustDeliverStore
{
    /// <summary>Appends a message; false when the store is full (the caller counts the loss).</summary>
    bool TryAdd(MustDeliverMessage message);

    /// <summary>The oldest message not yet acknowledged, without removing it.</summary>
    bool TryPeek(out MustDeliverMessage message);

    /// <summary>Removes the oldest message (after the broker acknowledged it, or when it was dead-lettered).</summary>
    void RemoveOldest();

    int Count { get; }

    /// <summary>True when messages still waiting at shutdown are kept for the next start (a disk spool).</summary>
    bool SurvivesRestart { get; }
}

/// <summary>A bounded in-memory <see cref="IMustDeliverStore"/>: messages survive broker outages, not restarts.</summary>
public sealed class InMemoryMustDeliverStore(int capacity = 1000) : IMustDeliverStore
{
    public bool SurvivesRestart => false;

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
