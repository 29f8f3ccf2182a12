using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>A frame buffer owned by a <see cref="FrameSlot"/>: the BGR image plus its monotonic id and capture times.
/// The image Mat is reused from frame to frame (OpenCV reallocates it only when the size changes).</summary>
public sealed class CapturedFrame : IDisposable
{
    private InputArray? _imageInput;

    /// <summary>8-bit BGR image.</summary>
    public Mat Image { get; } = new();

    /// <summary><see cref="Image"/> as an OpenCV input proxy, created once and reused: passing the Mat itself makes
    /// OpenCvSharp create a finalizable proxy on every call. It refers to the Mat object, so it stays valid when the
    /// Mat is reallocated.</summary>
    public InputArray ImageInput => _imageInput ??= InputArray.Create(Image);

    /// <summary>Monotonic frame id: counts every frame captured since start, across source reopenings.</summary>
    public long Id { get; set; }

    /// <summary>Wall-clock capture time (UTC).</summary>
    public DateTimeOffset CapturedAt { get; set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the capture, for latency measurements.</summary>
    public long Timestamp { get; set; }

    public void Dispose()
    {
        _imageInput?.Dispose();
        Image.Dispose();
    }
}
