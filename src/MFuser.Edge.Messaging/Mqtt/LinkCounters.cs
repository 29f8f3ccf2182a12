namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>What a link counts; each is a monotonic total since start.</summary>
internal enum LinkEvent
{
    DroppedDisconnected,
    DroppedQueueFull,
    DroppedFailed,
    DroppedTooLarge,
    Reconnects,
    DeadLinks,
    MustDeliverRefused,
    DeadLettered,
    RefusedByBroker,
    SubscriptionsRefused,
    InboundTooLarge,
}

/// <summary>
/// The link's counters, and the bookkeeping that keeps <c>published</c> honest: a QoS 0 message written to the socket
/// is only <em>sent</em>; it counts as published once a later round trip to the broker (a PINGRESP, or the PUBACK of
/// a QoS 1 message written after it) proves the broker read it, because TCP delivers in order. Messages still
/// unconfirmed when the connection dies count as <c>lost</c>. Thread-safe.
/// </summary>
internal sealed class LinkCounters
{
    private readonly long[] _events = new long[Enum.GetValues<LinkEvent>().Length];
    private readonly Lock _confirmation = new();
    private long _sent, _confirmed, _lost, _acknowledged;

    public void Count(LinkEvent e) => Interlocked.Increment(ref _events[(int)e]);

    public long this[LinkEvent e] => Interlocked.Read(ref _events[(int)e]);

    /// <summary>A QoS 0 message was written to the connection.</summary>
    public void Sent() => Interlocked.Increment(ref _sent);

    /// <summary>How many QoS 0 messages were written so far: take it before a round trip, pass it to
    /// <see cref="Confirm"/> when the round trip completes.</summary>
    public long SentMark => Interlocked.Read(ref _sent);

    /// <summary>The broker acknowledged a QoS 1 message written when <paramref name="sentMark"/> messages had been sent.</summary>
    public void Acknowledged(long sentMark)
    {
        Interlocked.Increment(ref _acknowledged);
        Confirm(sentMark);
    }

    /// <summary>A round trip that started after <paramref name="sentMark"/> messages completed: they reached the broker.</summary>
    public void Confirm(long sentMark)
    {
        lock (_confirmation)
            if (sentMark > _confirmed)
                _confirmed = sentMark;
    }

    /// <summary>The connection died: messages sent since the last confirmed round trip are lost. Returns how many.</summary>
    public long LoseUnconfirmed()
    {
        lock (_confirmation)
        {
            var lost = SentMark - _confirmed;
            _lost += lost;
            _confirmed += lost;
            return lost;
        }
    }

    /// <summary>A consistent snapshot for the public counters.</summary>
    public MqttLinkCounters Snapshot(bool connected, string? protocol, int queueDepth, int mustDeliverPending)
    {
        long sent, confirmed, lost;
        lock (_confirmation)
            (sent, confirmed, lost) = (SentMark, _confirmed, _lost);
        return new MqttLinkCounters(connected, protocol, Interlocked.Read(ref _acknowledged) + confirmed - lost,
            this[LinkEvent.DroppedDisconnected], this[LinkEvent.DroppedQueueFull], this[LinkEvent.DroppedFailed], this[LinkEvent.Reconnects],
            queueDepth, mustDeliverPending, this[LinkEvent.MustDeliverRefused], this[LinkEvent.RefusedByBroker])
        {
            Sent = sent,
            Unconfirmed = sent - confirmed,
            Lost = lost,
            DroppedTooLarge = this[LinkEvent.DroppedTooLarge],
            DeadLettered = this[LinkEvent.DeadLettered],
            SubscriptionsRefused = this[LinkEvent.SubscriptionsRefused],
            InboundTooLarge = this[LinkEvent.InboundTooLarge],
            DeadLinks = this[LinkEvent.DeadLinks],
        };
    }
}
