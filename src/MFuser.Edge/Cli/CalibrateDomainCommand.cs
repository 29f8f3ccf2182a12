using MFuser.Edge.Startup;
using System.CommandLine;
using System.Globalization;
using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.FieldOps;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Inference;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge calibrate-domain --frames N</c>: runs the configured source through the model for N frames
/// (the vehicle's own camera in good conditions), accumulates a per-vehicle <see cref="DomainBaseline"/> of the same
/// signals the daemon's domain-shift monitor uses and writes it to <c>domain_shift.reference</c> (default
/// <c>calibration/domain-reference.json</c>), which the daemon then prefers over the model package's statistics.</summary>
internal static class CalibrateDomainCommand
{
    public static Command Create(CommonOptions common)
    {
        var frames = new Option<string>("--frames") { Description = "Frames to accumulate (at least 2; default 300)", DefaultValueFactory = _ => "300" };
        var output = new Option<string?>("--output") { Description = "Reference file to write (default: domain_shift.reference)" };
        var command = new Command("calibrate-domain", "Record a per-vehicle in-domain baseline for the domain-shift monitor");
        common.AddTo(command);
        command.Options.Add(frames);
        command.Options.Add(output);
        command.SetAction(parse =>
        {
            var config = common.Load(parse);
            var raw = parse.GetValue(frames)!;
            if (!int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 2 || n > 100_000)
                throw new ConfigException([new ConfigProblem("command line", "--frames", raw, "expected an integer from 2 to 100000")]);
            var path = parse.GetValue(output) ?? config.DomainShift.Reference;
            if (path.Length == 0)
                throw new ConfigException([new ConfigProblem("command line", "--output", path, "give --output or set domain_shift.reference")]);

            var package = PackageDirectory.Load(PackageDirectory.Resolve(config.ModelPath));
            using var session = ModelRuntime.Open(package, ModelRuntime.Settings(config), Console.WriteLine);
            ModelRuntime.WarmUp(session, config.Inference.WarmupRuns, Console.WriteLine);
            var calibration = config.CalibrationFile.Length > 0 ? CalibrationYaml.Load(config.CalibrationFile) : null;
            var analyzer = new DrivableAnalyzer(package.Manifest.Classes, session.Width, session.Height,
                new DrivableAnalyzerOptions { FreeSpaceBins = config.FreeSpaceBins }, calibration);
            var signals = new FrameSignals(session.Width, session.Height);
            var baseline = new DomainBaseline(maxFrames: n);
            var size = new Size(session.Width, session.Height);
            using var input = Mat.FromPixelData(session.Height, session.Width, MatType.CV_8UC3, session.InputPointer);

            using var slot = new FrameSlot();
            using var capture = new CaptureWorker(config.Source, () => FrameSources.Create(config.Source.Uri, config.Source.StreamBackend), slot,
                NullLogger.Instance);
            capture.Start();
            var patience = config.Source.StartupTimeout > TimeSpan.Zero ? config.Source.StartupTimeout : TimeSpan.FromSeconds(30);
            var lastFrame = DateTime.UtcNow;
            while (!baseline.IsFull)
            {
                var frame = slot.Take(TimeSpan.FromMilliseconds(200));
                if (frame is null)
                {
                    if (DateTime.UtcNow - lastFrame > patience)
                        throw new SourceUnavailableException($"source {config.Source.Uri} delivered no frame for {patience.TotalSeconds:F0} s after {baseline.Count} of {n} frames: {capture.LastError ?? "no error reported"}");
                    continue;
                }
                lastFrame = DateTime.UtcNow;
                if (frame.Image.Type() != MatType.CV_8UC3)
                    continue;
                if (frame.Image.Width == size.Width && frame.Image.Height == size.Height)
                    frame.Image.CopyTo(input);
                else
                    Cv2.Resize(frame.Image, input, size, 0, 0, InterpolationFlags.Area);
                session.Run();
                var summary = analyzer.Analyze(session.Labels, session.Confidence);
                baseline.Add(signals.Compute(session.Input, summary), session.Embedding);
            }
            capture.Stop();

            var reference = baseline.Build($"{config.DeviceId}, {config.Source.Uri}, {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, model {package.Manifest.Name} {package.Manifest.Version}");
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
}
