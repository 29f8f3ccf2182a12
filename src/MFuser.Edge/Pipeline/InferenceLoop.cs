using System.Diagnostics;
using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.Config;
using MFuser.Edge.FieldOps;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Inference;
using MFuser.Edge.Messaging;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Serial.Mcu;
using Microsoft.Extensions.Logging;
using OpenCvSharp;

namespace MFuser.Edge.Pipeline;

/// <summary>The hot loop on its own thread: take the newest frame, resize it straight into the model's input buffer,
/// run the model, summarise the drivable area and hand the payloads to the MQTT queue (which never blocks); then the
/// field operations that are on: geotag the drivable payload with a fresh GPS fix, feed the domain-shift monitor
/// (episode events go to the must-deliver publisher), feed the field-log recorder, send the MCU free-space frame and
/// tell the watchdog a frame went through. Every hand-over only queues. Steady state allocates nothing per frame
/// except the rate-limited PNG/JPEG images and the (rare) episode events.</summary>
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
    private readonly RateGate _fieldImageGate;
    private readonly int[] _jpegParams;
    private readonly FieldOperations _field;
    private readonly GeoTagWriter _geotag = new();
    private readonly FreeSpaceFrame _mcuFrame = new();
    private readonly ILogger _log;
    private readonly Mat _input;
    private readonly Size _inputSize;
    private GeoFix? _lastRecordedFix;
    private long _processed;
    private volatile float _lastDrivableFraction = float.NaN;

    public InferenceLoop(FrameSlot slot, SegmentationSession session, DrivableAnalyzer analyzer, MqttLink link, EdgeConfig config,
        FieldOperations field, ILogger log)
    {
        _slot = slot;
        _session = session;
        _analyzer = analyzer;
        _link = link;
        _maxFrames = config.MaxFrames;
        _images = new LabelImages(session.Width, session.Height, session.Package.Manifest.Classes, config.Publish.OverlayQuality);
        _field = field;
        _log = log;
        _segmentationGate = new RateGate(field.Settings.SegmentationHz);
        _overlayGate = new RateGate(field.Settings.OverlayHz);
        field.Settings.Changed += name =>
        {
            if (name == RuntimeSettings.SegmentationHzName)
                _segmentationGate.Hz = field.Settings.SegmentationHz;
            else if (name == RuntimeSettings.OverlayHzName)
                _overlayGate.Hz = field.Settings.OverlayHz;
        };
        _fieldImageGate = new RateGate(field.Recorder is null ? 0 : config.FieldLog.ImageHz);
        _jpegParams = [(int)ImwriteFlags.JpegQuality, config.FieldLog.JpegQuality];
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
        WriteInput(frame);
        var t1 = Stopwatch.GetTimestamp();
        _session.Run();
        var t2 = Stopwatch.GetTimestamp();
        var summary = _analyzer.Analyze(_session.Labels, _session.Confidence);
        var t3 = Stopwatch.GetTimestamp();

        var stamp = new FrameStamp(frame.Id, frame.CapturedAt);
        var inferenceMs = Ms(t1, t2);
        var latency = new FrameLatency(Ms(frame.Timestamp, t3), inferenceMs);
        var fix = _field.FreshFix();
        var drivable = _drivable.Write(stamp, summary, latency);
        if (_field.Gps is not null)
            drivable = _geotag.Write(drivable.Span, fix);
        _link.TryPublish(_link.Topics.Drivable, drivable.Span);
        var handedOver = Stopwatch.GetTimestamp();
        byte[]? png = null;
        if (_segmentationGate.TryEnter(handedOver))
            _link.TryPublish(_link.Topics.Segmentation, png = _images.Png(_session.Labels),
                MessageMeta.Image("image/png", stamp, _session.Width, _session.Height));
        if (_overlayGate.TryEnter(handedOver))
            _link.TryPublish(_link.Topics.Overlay, _images.Overlay(_session.Labels, _input),
                MessageMeta.Image("image/jpeg", stamp, _session.Width, _session.Height));
        var t4 = Stopwatch.GetTimestamp();
        var shift = FeedFieldOperations(frame, stamp, summary, drivable.Span, fix, png, handedOver);
        if (_field.Mcu is { } mcu)
        {
            _mcuFrame.CopyFrom(summary, frame.Id, frame.CapturedAt,
                (fix is not null ? FreeSpaceFlags.GpsFix : FreeSpaceFlags.None) | (shift ? FreeSpaceFlags.DomainShift : FreeSpaceFlags.None));
            mcu.TrySend(_mcuFrame);
        }
        _field.Watchdog.FrameProcessed();

        _lastDrivableFraction = (float)summary.DrivableFraction;
        Latencies.Add(Stage.Preprocess, Ms(t0, t1));
        Latencies.Add(Stage.Inference, inferenceMs);
        Latencies.Add(Stage.Analysis, Ms(t2, t3));
        Latencies.Add(Stage.Publish, Ms(t3, t4));
        Latencies.Add(Stage.CaptureToPublish, Ms(frame.Timestamp, handedOver));
    }

    /// <summary>Copies (same size, continuous) or area-resizes the frame into the model input. The copy touches no
    /// OpenCV proxy object; the resize passes the frame's cached input proxy, so only its output proxy (disposed by
    /// OpenCvSharp, no finalizer) is allocated.</summary>
    private unsafe void WriteInput(CapturedFrame frame)
    {
        var image = frame.Image;
        if (image.Cols == _inputSize.Width && image.Rows == _inputSize.Height && image.IsContinuous())
            new ReadOnlySpan<byte>((void*)image.Data, _session.Input.Length).CopyTo(_session.Input);
        else
            Cv2.Resize(frame.ImageInput, _input, _inputSize, 0, 0, InterpolationFlags.Area);
    }

    /// <summary>The domain-shift monitor and the field-log recorder for one frame; true while a shift episode is open.</summary>
    private bool FeedFieldOperations(CapturedFrame frame, in FrameStamp stamp, DrivableSummary summary, ReadOnlySpan<byte> drivable,
        GeoFix? fix, byte[]? png, long now)
    {
        var recorder = _field.Recorder;
        if (_field.Shift is { } shift)
        {
            if (shift.Observe(_session.Input, summary, _session.Embedding, stamp) is { } e)
            {
                var json = EpisodeEventJson.Serialize(e, fix);
                _field.Episodes!.Publish(json);
                recorder?.Episode(e, json);
                _log.LogInformation("domain shift episode {Id} {Kind}: score {Score:F1} (peak {Peak:F1}), dominant {Dominant}",
                    e.EpisodeId, e.KindName, e.Score, e.PeakScore, e.Dominant.Name());
            }
            recorder?.Json(FieldLogChannel.ShiftSignals, stamp, shift.SignalsJson(stamp).Span);
        }
        if (recorder is null)
            return _field.Shift?.Monitor.InEpisode ?? false;
        recorder.Json(FieldLogChannel.Drivable, stamp, drivable);
        if (fix is not null && !ReferenceEquals(fix, _lastRecordedFix))
        {
            recorder.Fix(fix);
            _lastRecordedFix = fix;
        }
        if (_fieldImageGate.TryEnter(now))
        {
            Cv2.ImEncode(".jpg", frame.ImageInput, out var jpeg, _jpegParams);
            recorder.Frame(stamp, jpeg);
            recorder.Labels(stamp, png ?? _images.Png(_session.Labels));
        }
        return _field.Shift?.Monitor.InEpisode ?? false;
    }

    private static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public void Dispose()
    {
        _images.Dispose();
        _input.Dispose();
    }
}
