using System.Text;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Whether a message can ever be published: MQTT limits a topic to 65,535 bytes of valid UTF-8 without wildcards or
/// NUL, and a packet to the broker's Maximum Packet Size (CONNACK, MQTT 5; 256 MB otherwise). A message that fails
/// will fail on every attempt, so the senders refuse or set it aside rather than retry it.
/// </summary>
internal static class Deliverability
{
    /// <summary>MQTT's largest packet: a remaining length of 268,435,455 plus the fixed header.</summary>
    public const long MqttMaxPacket = 268_435_455 + 5;

    /// <summary>Room for a message's MQTT 5 properties (content type, frame user properties), bytes.</summary>
    public const int PropertyAllowance = 256;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Why <paramref name="topic"/> can never be published; null when it can.</summary>
    public static string? TopicProblem(string topic)
    {
        if (topic.Length == 0)
            return "the topic is empty";
        if (topic.AsSpan().IndexOfAny('+', '#', '\0') >= 0)
            return "the topic holds a wildcard (+ #) or NUL character";
        int bytes;
        try
        {
            bytes = StrictUtf8.GetByteCount(topic);
        }
        catch (EncoderFallbackException)
        {
            return "the topic is not valid Unicode";
        }
        return bytes > ushort.MaxValue ? $"the topic is {bytes} bytes of UTF-8, MQTT allows {ushort.MaxValue}" : null;
    }

    /// <summary>An upper bound of the PUBLISH packet's size: fixed header, topic, packet id, properties, payload.</summary>
    public static long PacketBytes(int topicUtf8Bytes, long payloadBytes, int propertyBytes) =>
        1 + 4 + 2 + topicUtf8Bytes + 2 + 4 + propertyBytes + payloadBytes;

    /// <summary>Why a message of this size can never pass a broker that accepts <paramref name="maxPacket"/> bytes; null
    /// when it can.</summary>
    public static string? SizeProblem(string topic, long payloadBytes, int propertyBytes, long maxPacket)
    {
        var packet = PacketBytes(Encoding.UTF8.GetByteCount(topic), payloadBytes, propertyBytes);
        return packet > maxPacket ? $"a packet of about {packet} bytes is more than the broker accepts ({maxPacket})" : null;
    }
}
