using MFuser.Edge.Inference;
using OpenCvSharp;

namespace MFuser.Edge.Pipeline;

/// <summary>One frame that went through the model: its inference buffers (input image and outputs, bound to the
/// session) and when it was captured. Owned by a <see cref="FrameHandoff"/>; the inference thread fills it, the stage
/// thread reads it.</summary>
public sealed class ProcessedFrame : IDisposable
{
    internal ProcessedFrame(InferenceBuffers buffers, int width, int height)
    {
        Buffers = buffers;
        Input = Mat.FromPixelData(height, width, MatType.CV_8UC3, buffers.InputPointer);
        InputTarget = OutputArray.Create(Input);
    }

    public InferenceBuffers Buffers { get; }

    /// <summary><see cref="InferenceBuffers.Input"/> as an OpenCV Mat (the same memory), for resizing into it and
    /// encoding from it.</summary>
    public Mat Input { get; }

    /// <summary><see cref="Input"/> as an OpenCV output proxy, made once: passing the Mat itself makes OpenCvSharp
    /// allocate a proxy on every resize.</summary>
    public OutputArray InputTarget { get; }

    public long FrameId { get; internal set; }
    public DateTimeOffset CapturedAt { get; internal set; }

    /// <summary><see cref="System.Diagnostics.Stopwatch"/> timestamp of the capture.</summary>
    public long CaptureTimestamp { get; internal set; }

    public double PreprocessMs { get; internal set; }
    public double InferenceMs { get; internal set; }

    public void Dispose()
    {
        InputTarget.Dispose();
        Input.Dispose();
        Buffers.Dispose();
    }
}

/// <summary>
/// The double buffer between the inference thread and the stage thread (docs/architecture.md): the inference thread
/// runs the next frame into one <see cref="ProcessedFrame"/> while the stage thread reads the other. The inference
/// thread never waits: <see cref="BeginWrite"/> always returns a frame the stage thread is not reading, taking back
/// a completed frame the stage thread has not started (counted in <see cref="Skipped"/>) when it has to; a newer
/// completed frame replaces an older unread one (also skipped). The stage thread always gets the newest completed
/// frame. No allocation per frame: a lock that is held for a few instructions and two preallocated frames.
/// </summary>
public sealed class FrameHandoff : IDisposable
{
    private enum State { Free, Writing, Ready, Reading }

    private readonly object _lock = new();
    private readonly ProcessedFrame[] _frames;
    private readonly State[] _states = new State[2];
    private bool _completed;
    private long _skipped, _published;

    /// <param name="session">Makes two sets of inference buffers bound to it.</param>
    public FrameHandoff(SegmentationSession session) =>
        _frames = [new(session.CreateBuffers(), session.Width, session.Height), new(session.CreateBuffers(), session.Width, session.Height)];

    /// <summary>Completed frames the stage thread never processed because a newer one was ready first.</summary>
    public long Skipped => Interlocked.Read(ref _skipped);

    /// <summary>Frames the inference thread completed.</summary>
    public long Published => Interlocked.Read(ref _published);

    /// <summary>Inference thread: a frame to run the next inference into. Never waits.</summary>
    public ProcessedFrame BeginWrite()
    {
        lock (_lock)
        {
            var i = _states[0] == State.Free ? 0 : _states[1] == State.Free ? 1 : _states[0] == State.Ready ? 0 : 1;
            if (_states[i] == State.Ready)
                _skipped++;
            _states[i] = _states[i] != State.Reading
                ? State.Writing
                : throw new InvalidOperationException("both frames are held: BeginWrite called twice without Publish");
            return _frames[i];
        }
    }

    /// <summary>Inference thread: <paramref name="frame"/> is complete; it becomes the newest for the stage thread.</summary>
    public void Publish(ProcessedFrame frame)
    {
        lock (_lock)
        {
            var i = Index(frame);
            var other = 1 - i;
            if (_states[other] == State.Ready)
            {
                _states[other] = State.Free;
                _skipped++;
            }
            _states[i] = State.Ready;
            _published++;
            Monitor.Pulse(_lock);
        }
    }

    /// <summary>Stage thread: waits up to <paramref name="timeout"/> for the newest completed frame; null on timeout, or
    /// after <see cref="Complete"/> once nothing is left. Hand it back with <see cref="Release"/>.</summary>
    public ProcessedFrame? Take(TimeSpan timeout)
    {
        lock (_lock)
        {
            var i = ReadyIndex();
            if (i < 0 && !_completed)
            {
                Monitor.Wait(_lock, timeout);
                i = ReadyIndex();
            }
            if (i < 0)
                return null;
            _states[i] = State.Reading;
            return _frames[i];
        }
    }

    /// <summary>Stage thread: done with <paramref name="frame"/>.</summary>
    public void Release(ProcessedFrame frame)
    {
        lock (_lock)
            _states[Index(frame)] = State.Free;
    }

    /// <summary>True once <see cref="Complete"/> was called and no completed frame is left to take.</summary>
    public bool IsDrained
    {
        get
        {
            lock (_lock)
                return _completed && ReadyIndex() < 0;
        }
    }

    /// <summary>No more frames will be published; wakes a waiting stage thread.</summary>
    public void Complete()
    {
        lock (_lock)
        {
            _completed = true;
            Monitor.PulseAll(_lock);
        }
    }

    private int ReadyIndex() => _states[0] == State.Ready ? 0 : _states[1] == State.Ready ? 1 : -1;

    private int Index(ProcessedFrame frame) => ReferenceEquals(frame, _frames[0]) ? 0
        : ReferenceEquals(frame, _frames[1]) ? 1 : throw new ArgumentException("not a frame of this hand-off", nameof(frame));

    public void Dispose()
    {
        foreach (var f in _frames)
            f.Dispose();
    }
}
