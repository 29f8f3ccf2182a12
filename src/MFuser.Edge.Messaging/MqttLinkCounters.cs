using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Messaging;

/// <summary>A snapshot of <see cref="MqttLink"/>'s counters since start, for the <c>stats</c> topic (docs/mqtt-api.md
/// lists what each means).</summary>
/// <param name="Published">Messages the broker is known to have received: QoS 1 on its PUBACK, QoS 0 once a later
/// round trip confirmed it (see <see cref="Unconfirmed"/>).</param>
/// <param name="MustDeliverRefused">Must-deliver messages the store refused because it was full.</param>
/// <param name="RefusedByBroker">QoS 1 messages the broker answered with a failure PUBACK (e.g. not authorized).</param>
public readonly record struct MqttLinkCounters(
    bool Connected,
    string? Protocol,
    long Published,
    long DroppedDisconnected,
    long DroppedQueueFull,
    long DroppedFailed,
    long Reconnects,
    int QueueDepth,
    int MustDeliverPending,
    long MustDeliverRefused,
    long RefusedByBroker)
{
    /// <summary>Best-effort (QoS 0) messages written to the connection.</summary>
    public long Sent { get; init; }

    /// <summary>Best-effort messages written since the last confirmed round trip: not yet known to have arrived.</summary>
    public long Unconfirmed { get; init; }

    /// <summary>Best-effort messages written but never confirmed because the connection died under them.</summary>
    public long Lost { get; init; }

    /// <summary>Best-effort messages larger than the broker accepts (its Maximum Packet Size), never sent.</summary>
    public long DroppedTooLarge { get; init; }

    /// <summary>QoS 1 messages set aside because they can never be delivered: an invalid or over-long topic, larger
    /// than the broker or our own limit accepts, refused by the broker, or failing every send attempt.</summary>
    public long DeadLettered { get; init; }

    /// <summary>Subscriptions the broker refused in its SUBACK.</summary>
    public long SubscriptionsRefused { get; init; }

    /// <summary>Packets from the broker larger than <see cref="MqttLinkOptions.MaxPacketBytes"/>: the connection was
    /// dropped before buffering them.</summary>
    public long InboundTooLarge { get; init; }

    /// <summary>Connections declared dead because the broker stopped answering PINGREQ.</summary>
    public long DeadLinks { get; init; }

    /// <summary>Best-effort messages that never reached the broker, for any reason.</summary>
    public long Dropped => DroppedDisconnected + DroppedQueueFull + DroppedFailed + DroppedTooLarge + Lost;

    /// <summary>The counters as published in <c>stats.mqtt</c>.</summary>
    public MqttStats ToPayload() => new(Connected, Protocol, Published, Dropped, Reconnects, QueueDepth, MustDeliverPending)
    {
        Sent = Sent,
        Unconfirmed = Unconfirmed,
        Lost = Lost,
        MustDeliverRefused = MustDeliverRefused,
        DeadLettered = DeadLettered,
        RefusedByBroker = RefusedByBroker,
        SubscriptionsRefused = SubscriptionsRefused,
        InboundTooLarge = InboundTooLarge,
        DeadLinks = DeadLinks,
    };
}
