using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>One frame's raw shift signals, measured the same way by the daemon and by <c>calibrate-domain</c>: image
/// statistics of the model input (BGR at model resolution, so every camera is compared at one scale) plus the
/// segmentation's confidence and entropy means. Allocation-free; not thread-safe.</summary>
public sealed class FrameSignals(int width, int height)
{
    private readonly ImageStatistics _image = new(width, height);

    public DomainSignals Compute(ReadOnlySpan<byte> bgr, DrivableSummary summary) =>
        DomainSignals.From(_image.Compute(bgr), summary.ConfidenceMean, summary.EntropyMean);
}
