using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Pipeline;

/// <summary>
/// What the stages see of one processed frame (docs/architecture.md): its id and times, the model input and outputs,
/// the drivable summary, the freshest GPS fix, and the payloads already made for it — the drivable JSON every frame,
/// the images on first request (then shared by every stage that asks, so a frame is never encoded twice). Read-only
/// to the stages and valid only during their <see cref="IFrameStage.Process"/> call: the stage thread reuses it.
/// </summary>
public sealed class FrameContext
{
    private readonly FrameImages _images;
    private ProcessedFrame _frame = null!;
    private byte[]? _labelsPng, _overlayJpeg, _labelColoursJpeg, _cameraJpeg;

    internal FrameContext(FrameImages images, int width, int height) => (_images, Width, Height) = (images, width, height);

    /// <summary>The frame's monotonic id and capture time.</summary>
    public FrameStamp Stamp { get; private set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the capture.</summary>
    public long CaptureTimestamp => _frame.CaptureTimestamp;

    /// <summary>Model resolution: the size of <see cref="Image"/>, <see cref="Labels"/> and <see cref="Confidence"/>.</summary>
    public int Width { get; }

    public int Height { get; }

    /// <summary>The model input, BGR, what the model saw.</summary>
    public ReadOnlySpan<byte> Image => _frame.Buffers.Input;

    public ReadOnlySpan<byte> Labels => _frame.Buffers.Labels;
    public ReadOnlySpan<byte> Confidence => _frame.Buffers.Confidence;
    public ReadOnlySpan<float> Embedding => _frame.Buffers.Embedding;

    public DrivableSummary Summary { get; private set; } = null!;

    /// <summary>The freshest GPS fix within <c>serial.gps.max_fix_age_s</c>; null without one or without a receiver.</summary>
    public GeoFix? Fix { get; private set; }

    /// <summary>The <c>drivable</c> payload of this frame (docs/mqtt-api.md).</summary>
    public ReadOnlyMemory<byte> DrivableJson { get; private set; }

    /// <summary>Session run time of this frame, milliseconds.</summary>
    public double InferenceMs => _frame.InferenceMs;

    /// <summary>Capture to the moment the drivable payload was made (the value it carries), milliseconds.</summary>
    public double CaptureToPublishMs { get; private set; }

    /// <summary>The class-id PNG, encoded on the first call for this frame.</summary>
    public byte[] LabelsPng() => _labelsPng ??= _images.Png(Labels);

    /// <summary>The colour overlay JPEG, encoded on the first call for this frame.</summary>
    public byte[] OverlayJpeg() => _overlayJpeg ??= _images.Overlay(Labels, _frame.Input);

    /// <summary>The label map in the class colours alone, JPEG, encoded on the first call for this frame.</summary>
    public byte[] LabelColoursJpeg() => _labelColoursJpeg ??= _images.LabelColours(Labels);

    /// <summary>The camera JPEG (the model input), encoded on the first call for this frame.</summary>
    public byte[] CameraJpeg() => _cameraJpeg ??= _images.Camera(_frame.Input);

    internal void Begin(ProcessedFrame frame, DrivableSummary summary, GeoFix? fix, ReadOnlyMemory<byte> drivableJson, double captureToPublishMs)
    {
        _frame = frame;
        Stamp = new FrameStamp(frame.FrameId, frame.CapturedAt);
        Summary = summary;
        Fix = fix;
        DrivableJson = drivableJson;
        CaptureToPublishMs = captureToPublishMs;
        _labelsPng = _overlayJpeg = _labelColoursJpeg = _cameraJpeg = null;
    }
}
