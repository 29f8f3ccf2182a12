using System.CommandLine;
using System.Globalization;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Pipeline;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Startup;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Files;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge calibrate-domain --frames N</c>: runs the configured source through the daemon's own frame
/// pipeline (capture, inference thread, stage thread) with one stage, <see cref="BaselineStage"/>, for N frames (the
/// vehicle's own camera in good conditions), and writes the per-vehicle baseline of the domain-shift signals to
/// <c>domain_shift.reference</c> (default <c>calibration/domain-reference.json</c>), which the daemon then prefers over
/// the model package's statistics.</summary>
internal static class CalibrateDomainCommand
{
    public static Command Create(CommonOptions common)
    {
        var frames = new Option<string>("--frames") { Description = "Frames to accumulate (at least 2; default 300)",
            DefaultValueFactory = _ => "300" };
        var output = new Option<string?>("--output") { Description = "Reference file to write (default: domain_shift.reference)" };
        var command = new Command("calibrate-domain", "Record a per-vehicle in-domain baseline for the domain-shift monitor");
        common.AddTo(command);
        command.Options.Add(frames);
        command.Options.Add(output);
        command.SetAction(async (parse, ct) =>
        {
            var config = common.Load(parse);
            var raw = parse.GetValue(frames)!;
            if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 2 || n > 100_000)
                throw new ConfigException([new ConfigProblem("command line", "--frames", raw, "expected an integer from 2 to 100000")]);
            var path = parse.GetValue(output) ?? config.DomainShift.Reference;
            if (path.Length == 0)
                throw new ConfigException([new ConfigProblem("command line", "--output", path, "give --output or set domain_shift.reference")]);
            // Checked before the drive is recorded, not after: a calibration drive is not lost to a bad path.
            var full = Path.GetFullPath(path);
            // A device node or FIFO would be replaced by the reference (as root: --output /dev/null replaced /dev/null).
            var problem = Directory.Exists(full) ? $"{full} is a directory; expected a file to write"
                : RegularFile.Problem(full) is { } special ? $"{full} is {special} (or a new path)"
                : WritableDirectory.Problem(Path.GetDirectoryName(full) ?? "/");
            if (problem is not null)
                throw new ConfigException([new ConfigProblem("command line", "--output", path, problem)]);

            using var model = ModelStack.Open(config, Console.WriteLine);
            var baseline = new DomainBaseline(maxFrames: n);
            await RecordAsync(config, model, new BaselineStage(baseline, model.Session.Width, model.Session.Height), n, ct);
            if (ct.IsCancellationRequested)
            {
                // A baseline of the frames so far would be preferred over the package's statistics: write none.
                Console.Error.WriteLine($"mfuser-edge: calibrate-domain interrupted after {baseline.Count} of {n} frames: nothing written to {path}");
                return ExitCodes.Interrupted;
            }

            var reference = baseline.Build($"{config.DeviceId}, {config.Source.Uri}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, model " +
                                           $"{model.Package.Manifest.Name} {model.Package.Manifest.Version}");
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir)
                Directory.CreateDirectory(dir);
            DomainReferenceFile.Save(reference, path);
            Console.WriteLine($"domain baseline of {baseline.Count} frames written to {path}");
            foreach (var signal in ShiftSignals.All)
                if (reference[signal] is { } r)
                    Console.WriteLine(FormattableString.Invariant($"  {signal.Name(),-19} mean {r.Mean,9:0.0000}  std {r.Std,8:0.0000}"));
            Console.WriteLine(reference.Embedding is null ? "  embedding: none" : $"  embedding: {reference.Embedding.Mean.Length} dimensions");
            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>Runs capture → inference → <paramref name="stage"/> until it has <paramref name="frames"/> frames.</summary>
    /// <exception cref="SourceUnavailableException">The source delivered no frame for <c>source.startup_timeout_s</c>.</exception>
    private static async Task RecordAsync(EdgeConfig config, ModelStack model, BaselineStage stage, int frames, CancellationToken ct)
    {
        var session = model.Session;
        using var slot = new FrameSlot();
        using var capture = new CaptureWorker(config.Source, () => FrameSources.Create(config.Source), slot,
            NullLogger.Instance);
        using var handoff = new FrameHandoff(session);
        using var images = new FrameImages(session.Width, session.Height, model.Package.Manifest.Classes, config.Publish.OverlayQuality,
            config.FieldLog.JpegQuality);
        var inference = new InferenceLoop(slot, session, handoff, maxFrames: 0);
        var runner = new StageRunner(handoff, model.Analyzer, images, new DrivablePayloadWriter(), () => null, [stage], NullLogger.Instance);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        capture.Start();
        var inferenceThread = Task.Factory.StartNew(() => inference.Run(stop.Token), TaskCreationOptions.LongRunning);
        var stageThread = Task.Factory.StartNew(runner.Run, TaskCreationOptions.LongRunning);
        var patience = config.Source.StartupTimeout > TimeSpan.Zero ? config.Source.StartupTimeout : TimeSpan.FromSeconds(30);
        var (lastCount, lastProgress) = (0L, DateTime.UtcNow);
        try
        {
            while (stage.Added < frames && !ct.IsCancellationRequested)
            {
                await Task.Delay(100, CancellationToken.None);
                if (stage.Added != lastCount)
                    (lastCount, lastProgress) = (stage.Added, DateTime.UtcNow);
                else if (DateTime.UtcNow - lastProgress > patience)
                    throw new SourceUnavailableException($"source {config.Source.Uri} delivered no frame for {patience.TotalSeconds:F0} s after " +
                                                         $"{stage.Added} of {frames} frames: {capture.LastError ?? "no error reported"}");
            }
        }
        finally
        {
            stop.Cancel();
            await inferenceThread;
            await stageThread;
            capture.Stop();
        }
    }
}
