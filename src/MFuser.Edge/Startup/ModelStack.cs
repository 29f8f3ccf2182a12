using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Startup;

/// <summary>The model side of every command that runs the model — <c>run</c>, <c>calibrate-domain</c>,
/// <c>validate-model</c>, <c>build-engine</c> — opened one way: the checked package, its session on the first provider
/// that starts (reported line by line, systemd start timeout extended meanwhile), warmed up, the camera calibration and
/// the drivable analyzer at the model's resolution.</summary>
public sealed class ModelStack : IDisposable
{
    private ModelStack(PackageDirectory package, SegmentationSession session, CameraCalibration? calibration, DrivableAnalyzer analyzer,
        TimeSpan warmUp)
    {
        Package = package;
        Session = session;
        Calibration = calibration;
        Analyzer = analyzer;
        WarmUp = warmUp;
    }

    public PackageDirectory Package { get; }
    public SegmentationSession Session { get; }

    /// <summary>The camera calibration (<c>analysis.calibration</c>); null without one.</summary>
    public CameraCalibration? Calibration { get; }

    public DrivableAnalyzer Analyzer { get; }

    /// <summary>Duration of the last warm-up run (the steady state).</summary>
    public TimeSpan WarmUp { get; }

    /// <param name="report">Receives the provider attempts, the provider in use and the node placement.</param>
    /// <param name="packagePath">A package other than <c>model.path</c> (validate-model, build-engine).</param>
    /// <param name="providers">Providers other than <c>inference.providers</c> (build-engine: TensorRT only).</param>
    /// <param name="warmUpRuns">Default <c>inference.warmup_runs</c>.</param>
    public static ModelStack Open(EdgeConfig config, Action<string> report, SystemdNotifier? notifier = null, string? packagePath = null,
        IReadOnlyList<string>? providers = null, int? warmUpRuns = null)
    {
        var calibration = config.CalibrationFile.Length > 0 ? CalibrationYaml.Load(config.CalibrationFile) : null;
        var package = PackageDirectory.Load(PackageDirectory.Resolve(packagePath ?? config.ModelPath));
        var settings = ModelRuntime.Settings(config);
        if (providers is not null)
            settings = settings with { Providers = providers };
        var session = ModelRuntime.Open(package, settings, report, notifier);
        try
        {
            var warmUp = ModelRuntime.WarmUp(session, warmUpRuns ?? config.Inference.WarmupRuns, report, notifier);
            return new ModelStack(package, session, calibration, CreateAnalyzer(config, package, session, calibration), warmUp);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static DrivableAnalyzer CreateAnalyzer(EdgeConfig config, PackageDirectory package, SegmentationSession session,
        CameraCalibration? calibration)
    {
        try
        {
            return new DrivableAnalyzer(package.Manifest.Classes, session.Width, session.Height,
                new DrivableAnalyzerOptions { FreeSpaceBins = config.FreeSpaceBins }, calibration);
        }
        catch (ArgumentException e)
        {
            // The analyzer names its own option; the user knows the configuration keys.
            var message = e.Message.Replace("FreeSpaceBins", "analysis.free_space_bins", StringComparison.Ordinal);
            var key = calibration is null ? "analysis.free_space_bins" : "analysis.calibration";
            throw new ConfigException([new ConfigProblem(config.OriginOf(key), key, null,
                $"does not fit the model's {session.Width}x{session.Height} input: {message}")]);
        }
    }

    public void Dispose() => Session.Dispose();
}
