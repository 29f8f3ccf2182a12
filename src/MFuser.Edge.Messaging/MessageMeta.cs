using System.Buffers;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Messaging;

/// <summary>MQTT 5 metadata of a best-effort message: the content type and, for images, the user properties
/// <c>frame</c>, <c>captured_at</c>, <c>width</c> and <c>height</c>. Left out on an MQTT 3.1.1 connection.</summary>
public readonly record struct MessageMeta(string? ContentType = null, FrameStamp? Frame = null, int Width = 0, int Height = 0)
{
    /// <summary>Metadata of an image of the given frame (e.g. <c>image/png</c> segmentation maps).</summary>
    public static MessageMeta Image(string contentType, FrameStamp frame, int width, int height) =>
        new(contentType, frame, width, height);
}

/// <summary>A message received on a subscribed topic; <see cref="Payload"/> is valid only during the handler.</summary>
public readonly record struct InboundMessage(string Topic, ReadOnlySequence<byte> Payload);

/// <summary>A snapshot of <see cref="MqttLink"/>'s counters since start, for the <c>stats</c> topic.</summary>
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
    long MustDeliverRejected)
{
    /// <summary>Best-effort messages that never reached the broker, for any reason.</summary>
    public long Dropped => DroppedDisconnected + DroppedQueueFull + DroppedFailed;

    /// <summary>The counters as published in <c>stats.mqtt</c>.</summary>
    public MqttStats ToPayload() => new(Connected, Protocol, Published, Dropped, Reconnects, QueueDepth, MustDeliverPending);
}
