using System.Buffers;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>What the writer thread is asked to do with a queued <see cref="RecorderItem"/>.</summary>
internal enum ItemKind
{
    /// <summary>Bytes for a channel (image, JSON, packed scan).</summary>
    Data,
    /// <summary>A GPS fix (<see cref="RecorderItem.State"/> is the <c>GeoFix</c>).</summary>
    Fix,
    /// <summary>An episode event and its JSON (<see cref="RecorderItem.State"/> is the <c>EpisodeEvent</c>).</summary>
    Episode,
    ManualOn,
    ManualOff,
    /// <summary>Write the ring to a file of its own (state: label and completion).</summary>
    Snapshot,
    /// <summary>The camera mount to write at the start of every file (state: <c>CameraMount</c>).</summary>
    Mount,
    /// <summary>Completes its task once everything before it is handled.</summary>
    Flush,
}

/// <summary>One entry on its way from the frame loop to the writer thread: times in ns since the Unix epoch, bytes
/// in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (returned once the entry leaves the pre-trigger ring).</summary>
internal readonly record struct RecorderItem(ItemKind Kind, FieldLogChannel Channel, long Time, byte[]? Buffer, int Length, object? State)
{
    public ReadOnlySpan<byte> Bytes => Buffer.AsSpan(0, Length);

    /// <summary>True for the entries that the queue bound applies to (frame-loop data; commands are never dropped).</summary>
    public bool IsData => Kind is ItemKind.Data or ItemKind.Fix;

    public static byte[] Rent(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        return buffer;
    }

    public void Return()
    {
        if (Buffer is { } b)
            ArrayPool<byte>.Shared.Return(b);
    }

    public static long Nanoseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
