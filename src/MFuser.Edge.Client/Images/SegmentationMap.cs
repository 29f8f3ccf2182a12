namespace MFuser.Edge.Client.Images;

/// <summary>
/// One <c>&lt;base&gt;/segmentation</c> message decoded: the class id of every pixel at model resolution (look ids up in
/// <c>DeviceInfo.Classes</c>; 255 = ignore). <see cref="Frame"/> and <see cref="CapturedAt"/> come from the MQTT 5 user
/// properties and match the <c>drivable</c> message of the same frame; they are null over MQTT 3.1.1.
/// </summary>
public sealed class SegmentationMap(int width, int height, byte[] classIds, long? frame, DateTimeOffset? capturedAt)
{
    public int Width { get; } = width;
    public int Height { get; } = height;

    /// <summary>Row-major class ids, <see cref="Width"/> × <see cref="Height"/> bytes.</summary>
    public byte[] ClassIds { get; } = classIds;

    public long? Frame { get; } = frame;
    public DateTimeOffset? CapturedAt { get; } = capturedAt;

    /// <summary>The class id at column <paramref name="x"/>, row <paramref name="y"/>.</summary>
    public byte this[int x, int y] => (uint)x < (uint)Width && (uint)y < (uint)Height
        ? ClassIds[y * Width + x]
        : throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside {Width}x{Height}");

    /// <summary>Decodes a segmentation PNG; <see cref="FormatException"/> when it is not an 8-bit grey PNG.</summary>
    public static SegmentationMap Decode(ReadOnlySpan<byte> png, long? frame = null, DateTimeOffset? capturedAt = null)
    {
        var (width, height, pixels) = GreyPng.Decode(png);
        return new SegmentationMap(width, height, pixels, frame, capturedAt);
    }
}
