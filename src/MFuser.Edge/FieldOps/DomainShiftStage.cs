using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.FieldOps;

/// <summary>The domain-shift monitor in the inference loop: per frame, image statistics of the model input, the
/// segmentation's confidence/entropy means and the model's embedding go into the <see cref="DomainShiftMonitor"/>;
/// the per-frame signals JSON is written for the field log. Allocation-free per frame except when an episode event is
/// emitted. Not thread-safe: the inference thread owns it.</summary>
public sealed class DomainShiftStage
{
    private readonly FrameSignals _frameSignals;
    private readonly ShiftSignalsWriter _signals = new();

    public DomainShiftStage(DomainShiftOptions options, DomainReference? reference, int width, int height)
    {
        Monitor = new DomainShiftMonitor(options, reference);
        _frameSignals = new FrameSignals(width, height);
    }

    public DomainShiftMonitor Monitor { get; }

    /// <summary>Episode events emitted so far.</summary>
    public long Events { get; private set; }

    /// <summary>Feeds one frame; returns the episode event of a transition, else null.</summary>
    public EpisodeEvent? Observe(ReadOnlySpan<byte> bgr, DrivableSummary summary, ReadOnlySpan<float> embedding, in FrameStamp stamp)
    {
        var e = Monitor.Observe(_frameSignals.Compute(bgr, summary), embedding, stamp);
        if (e is not null)
            Events++;
        return e;
    }

    /// <summary>The end event of the episode still open when the daemon stops (see
    /// <see cref="DomainShiftMonitor.EndOpenEpisode"/>), or null.</summary>
    public EpisodeEvent? EndOpenEpisode(DateTimeOffset at)
    {
        var e = Monitor.EndOpenEpisode(at);
        if (e is not null)
            Events++;
        return e;
    }

    /// <summary>The per-frame signals JSON after <see cref="Observe"/> (valid until the next call).</summary>
    public ReadOnlyMemory<byte> SignalsJson(in FrameStamp stamp) => _signals.Write(Monitor, stamp);
}

/// <summary>One frame's raw shift signals, measured the same way by the daemon and by <c>calibrate-domain</c>: image
/// statistics of the model input (BGR at model resolution, so every camera is compared at one scale) plus the
/// segmentation's confidence and entropy means. Allocation-free; not thread-safe.</summary>
public sealed class FrameSignals(int width, int height)
{
    private readonly ImageStatistics _image = new(width, height);

    public DomainSignals Compute(ReadOnlySpan<byte> bgr, DrivableSummary summary) =>
        DomainSignals.From(_image.Compute(bgr), summary.ConfidenceMean, summary.EntropyMean);
}

/// <summary>Where the daemon's in-domain reference comes from (docs/field-logging.md §2): the per-vehicle baseline
/// (<c>domain_shift.reference</c>, written by <c>calibrate-domain</c>) when the file exists, else the model package's
/// <c>domain_statistics</c>, else none (the monitor learns during its warm-up).</summary>
public static class DomainReferences
{
    /// <exception cref="ConfigException">The per-vehicle file exists but is not a valid reference.</exception>
    /// <exception cref="ModelPackageException">The package's statistics file is not a valid reference.</exception>
    public static ResolvedReference Resolve(DomainShiftConfig config, PackageDirectory package)
    {
        if (!config.Enabled)
            return new ResolvedReference(null, "off");
        if (config.Reference.Length > 0 && File.Exists(config.Reference))
        {
            try
            {
                return new ResolvedReference(DomainReferenceFile.Load(config.Reference), $"per-vehicle baseline {config.Reference}");
            }
            catch (FormatException e)
            {
                throw new ConfigException([new ConfigProblem(config.Reference, "domain_shift.reference", null, e.Message)]);
            }
        }
        if (package.DomainStatisticsPath is { } stats)
        {
            try
            {
                return new ResolvedReference(DomainReferenceFile.Load(stats), $"model package statistics {stats}");
            }
            catch (FormatException e)
            {
                throw new ModelPackageException(stats, "domain statistics", $"a {DomainReferenceFile.Format} file", e.Message);
            }
        }
        return new ResolvedReference(null, $"none (learned during the first {config.Options.Warmup.TotalSeconds:0.#} s)");
    }
}

/// <summary>The in-domain reference the monitor starts from (null: learned in the warm-up) and where it came from.</summary>
public sealed record ResolvedReference(DomainReference? Reference, string Origin);
