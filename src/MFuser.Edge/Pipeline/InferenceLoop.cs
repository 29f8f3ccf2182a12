using System.Diagnostics;
using MFuser.Edge.Analysis;
using MFuser.Edge.Capture;
using MFuser.Edge.Config;
using MFuser.Edge.Inference;
using MFuser.Edge.Messaging;
using MFuser.Edge.Payloads;
using OpenCvSharp;

namespace MFuser.Edge.Daemon.Pipeline;

/// <summary>The hot loop on its own thread: take the newest frame, resize it straight into the model's input buffer,
/// run the model, summarise the drivable area and hand the payloads to the MQTT queue (which never blocks). Steady
/// state allocates nothing per frame except the rate-limited PNG/JPEG images.</summary>
public sealed class InferenceLoop : IDisposable
{
    private readonly FrameSlot _slot;
    private readonly SegmentationSession _session;
    private readonly DrivableAnalyzer _analyzer;
    private readonly MqttLink _link;
    private readonly long _maxFrames;
    private readonly DrivablePayloadWriter _drivable = new();
    private readonly LabelImages _images;
    private readonly RateGate _segmentationGate;
    private readonly RateGate _overlayGate;
    private readonly Mat _input;
    private readonly Size _inputSize;
    private long _processed;
    private volatile float _lastDrivableFraction = float.NaN;

    public InferenceLoop(FrameSlot slot, SegmentationSession session, DrivableAnalyzer analyzer, MqttLink link, PublishConfig publish, long maxFrames)
    {
        _slot = slot;
        _session = session;
        _analyzer = analyzer;
        _link = link;
        _maxFrames = maxFrames;
        _images = new LabelImages(session.Width, session.Height, session.Package.Manifest.Classes, publish.OverlayQuality);
        _segmentationGate = new RateGate(publish.SegmentationHz);
        _overlayGate = new RateGate(publish.OverlayHz);
        _input = Mat.FromPixelData(session.Height, session.Width, MatType.CV_8UC3, session.InputPointer);
        _inputSize = new Size(session.Width, session.Height);
    }

    public StageLatencies Latencies { get; } = new();

    /// <summary>Frames run through the model and published.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Drivable fraction of the last processed frame (NaN before the first).</summary>
    public float LastDrivableFraction => _lastDrivableFraction;

    /// <summary>Frames whose source pixels were not 8-bit BGR and were skipped (counted, never fatal).</summary>
    public long Rejected { get; private set; }

    /// <summary>Runs until <paramref name="ct"/> is cancelled, the capture completes, or <c>max_frames</c> frames are done.
    /// Returns true when it stopped because the frame budget was reached.</summary>
    public bool Run(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var frame = _slot.Take(TimeSpan.FromMilliseconds(200));
            if (frame is null)
                continue;
            if (frame.Image.Type() != MatType.CV_8UC3)
            {
                Rejected++;
                continue;
            }
            Process(frame);
            if (Interlocked.Increment(ref _processed) == _maxFrames)
                return true;
        }
        return false;
    }

    private void Process(CapturedFrame frame)
    {
        var t0 = Stopwatch.GetTimestamp();
        if (frame.Image.Width == _inputSize.Width && frame.Image.Height == _inputSize.Height)
            frame.Image.CopyTo(_input);
        else
            Cv2.Resize(frame.Image, _input, _inputSize, 0, 0, InterpolationFlags.Area);
        var t1 = Stopwatch.GetTimestamp();
        _session.Run();
        var t2 = Stopwatch.GetTimestamp();
        var summary = _analyzer.Analyze(_session.Labels, _session.Confidence);
        var t3 = Stopwatch.GetTimestamp();

        var stamp = new FrameStamp(frame.Id, frame.CapturedAt);
        var inferenceMs = Ms(t1, t2);
        var latency = new FrameLatency(Ms(frame.Timestamp, t3), inferenceMs);
        _link.TryPublish(_link.Topics.Drivable, _drivable.Write(stamp, summary, latency).Span);
        var handedOver = Stopwatch.GetTimestamp();
        if (_segmentationGate.TryEnter(handedOver))
            _link.TryPublish(_link.Topics.Segmentation, _images.Png(_session.Labels),
                MessageMeta.Image("image/png", stamp, _session.Width, _session.Height));
        if (_overlayGate.TryEnter(handedOver))
            _link.TryPublish(_link.Topics.Overlay, _images.Overlay(_session.Labels, _input),
                MessageMeta.Image("image/jpeg", stamp, _session.Width, _session.Height));
        var t4 = Stopwatch.GetTimestamp();

        _lastDrivableFraction = (float)summary.DrivableFraction;
        Latencies.Add(Stage.Preprocess, Ms(t0, t1));
        Latencies.Add(Stage.Inference, inferenceMs);
        Latencies.Add(Stage.Analysis, Ms(t2, t3));
        Latencies.Add(Stage.Publish, Ms(t3, t4));
        Latencies.Add(Stage.CaptureToPublish, Ms(frame.Timestamp, handedOver));
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        _images.Dispose();
        _input.Dispose();
    }
}
