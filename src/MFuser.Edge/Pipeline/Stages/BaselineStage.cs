using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary><c>calibrate-domain</c>'s only stage: accumulates each frame's shift signals and embedding into a per-vehicle
/// <see cref="DomainBaseline"/>, measured exactly as the daemon's domain-shift stage measures them.</summary>
public sealed class BaselineStage(DomainBaseline baseline, int width, int height) : IFrameStage
{
    private readonly FrameSignals _signals = new(width, height);
    private long _added;

    public string Name => "baseline";

    /// <summary>Frames added so far (readable from any thread).</summary>
    public long Added => Interlocked.Read(ref _added);

    public void Process(FrameContext frame)
    {
        if (baseline.IsFull)
            return;
        baseline.Add(_signals.Compute(frame.Image, frame.Summary), frame.Embedding);
        Interlocked.Increment(ref _added);
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
