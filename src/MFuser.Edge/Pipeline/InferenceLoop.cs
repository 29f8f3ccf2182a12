using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Inference;
using OpenCvSharp;
using OpenCvSharp.Internal;

namespace MFuser.Edge.Pipeline;

/// <summary>The inference thread, and only inference: take the newest captured frame, write it into the model input
/// (a span copy at the model size, an area resize otherwise), run the session, hand the outputs to the stage thread
/// through the <see cref="FrameHandoff"/>. It never waits for the stages, the network or the disk, and allocates
/// nothing per frame beyond OpenCvSharp's output proxy on a resize (docs/architecture.md).</summary>
public sealed class InferenceLoop(FrameSlot slot, SegmentationSession session, FrameHandoff handoff, long maxFrames)
{
    private readonly Size _inputSize = new(session.Width, session.Height);
    private long _processed;

    /// <summary>Frames run through the model.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Frames whose source pixels were not 8-bit BGR and were skipped (counted, never fatal).</summary>
    public long Rejected { get; private set; }

    /// <summary>Runs until <paramref name="ct"/> is cancelled, the capture completes, or <paramref name="maxFrames"/>
    /// frames are done (0: no limit); then completes the hand-off. True when it stopped because of the frame budget.</summary>
    public bool Run(CancellationToken ct)
    {
        try
        {
            while (!ct.IsCancellationRequested)
            {
                var frame = slot.Take(TimeSpan.FromMilliseconds(200));
                if (frame is null)
                    continue;
                if (frame.Image.Type() != MatType.CV_8UC3)
                {
                    Rejected++;
                    continue;
                }
                Process(frame);
                if (Interlocked.Increment(ref _processed) == maxFrames)
                    return true;
            }
            return false;
        }
        finally
        {
            handoff.Complete();
        }
    }

    private void Process(CapturedFrame frame)
    {
        var t0 = Stopwatch.GetTimestamp();
        var target = handoff.BeginWrite();
        WriteInput(frame, target);
        var t1 = Stopwatch.GetTimestamp();
        session.Run(target.Buffers);
        var t2 = Stopwatch.GetTimestamp();
        target.FrameId = frame.Id;
        target.CapturedAt = frame.CapturedAt;
        target.CaptureTimestamp = frame.Timestamp;
        target.PreprocessMs = Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds;
        target.InferenceMs = Stopwatch.GetElapsedTime(t1, t2).TotalMilliseconds;
        handoff.Publish(target);
    }

    /// <summary>Copies (same size, continuous) or area-resizes the frame into the model input. The copy touches no
    /// OpenCV proxy object; the resize passes the proxies cached on the frame and the buffer set, so it allocates
    /// nothing managed.</summary>
    private unsafe void WriteInput(CapturedFrame frame, ProcessedFrame target)
    {
        var image = frame.Image;
        var input = target.Buffers.Input;
        if (image.Cols == _inputSize.Width && image.Rows == _inputSize.Height && image.IsContinuous())
            new ReadOnlySpan<byte>((void*)image.Data, input.Length).CopyTo(input);
        else
        {
            // Cv2.Resize would dispose a passed OutputArray after the call (its Fix step) and allocate one per frame
            // when given the Mat: the native call on the cached proxies keeps the resize allocation-free. The target
            // already has the model's size and type, so OpenCV writes into the bound input buffer without reallocating.
            NativeMethods.HandleException(NativeMethods.imgproc_resize(frame.ImageInput.CvPtr, target.InputTarget.CvPtr, _inputSize, 0, 0,
                (int)InterpolationFlags.Area));
            GC.KeepAlive(frame);
        }
    }
}
