using MFuser.Edge.Capture;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Inference;
using MFuser.Edge.Pipeline;
using MFuser.ModelPackage.Classes;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary>The real frame path for stage tests: frames painted by the test go through a <see cref="FrameSlot"/>, the
/// <see cref="InferenceLoop"/> on the colour-rule fixture model (320×192, label = nearest Cityscapes colour), the
/// <see cref="FrameHandoff"/> and the <see cref="StageRunner"/> with the stages under test. The producer waits for
/// each frame to leave the stages before it offers the next, so every frame reaches every stage.</summary>
internal sealed class StageHarness : IDisposable
{
    public SegmentationSession Session { get; } =
        SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage), SessionSettings.CpuOnly with { IntraOpThreads = 1 });

    public int Width => Session.Width;
    public int Height => Session.Height;

    /// <summary>Paints the whole frame in the Cityscapes colour of <paramref name="classId"/> (BGR), so the model
    /// labels every pixel with it.</summary>
    public static void Fill(Mat image, int classId)
    {
        var c = Cityscapes.Classes[classId].Color;
        image.SetTo(new Scalar(c.B, c.G, c.R));
    }

    /// <summary>Runs <paramref name="frames"/> frames through the stages and returns the runner (counters, latencies)
    /// after <see cref="IFrameStage.EndOfRun"/>.</summary>
    /// <param name="paint">Paints frame i (default: bottom half road, top half sky).</param>
    /// <param name="calibration">The analyzer's camera calibration (free-space geometry); null: none.</param>
    public StageRunner Run(IReadOnlyList<IFrameStage> stages, int frames, Action<int, Mat>? paint = null, Func<GeoFix?>? fix = null,
        DateTimeOffset? start = null, TimeSpan? interval = null, CameraCalibration? calibration = null)
    {
        using var slot = new FrameSlot();
        using var handoff = new FrameHandoff(Session);
        using var images = new FrameImages(Width, Height, Cityscapes.Classes, 75, 75);
        var analyzer = new DrivableAnalyzer(Cityscapes.Classes, Width, Height, new DrivableAnalyzerOptions(), calibration);
        var loop = new InferenceLoop(slot, Session, handoff, frames);
        var runner = new StageRunner(handoff, analyzer, images, new DrivablePayloadWriter(withGps: fix is not null), fix ?? (() => null), stages,
            NullLogger.Instance);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var inference = Task.Factory.StartNew(() => loop.Run(timeout.Token), TaskCreationOptions.LongRunning);
        var stageThread = Task.Factory.StartNew(runner.Run, TaskCreationOptions.LongRunning);
        var t0 = start ?? DateTimeOffset.UtcNow;
        for (var i = 0; i < frames; i++)
        {
            var frame = slot.WriteBuffer;
            frame.Image.Create(Height, Width, MatType.CV_8UC3);
            (paint ?? RoadAndSky)(i, frame.Image);
            frame.Id = i;
            frame.CapturedAt = t0 + (interval ?? TimeSpan.FromMilliseconds(100)) * i;
            frame.Timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            slot.Publish();
            Wait.Until(() => runner.Processed > i || timeout.IsCancellationRequested, () => $"frame {i} through the stages");
        }
        Assert.True(inference.Wait(TimeSpan.FromSeconds(60)) && inference.Result, "the inference loop did not finish its frames");
        Assert.True(stageThread.Wait(TimeSpan.FromSeconds(60)), "the stage thread did not end");
        Assert.Equal(frames, runner.Processed);
        return runner;
    }

    /// <summary>Top half sky, bottom half road.</summary>
    public static void RoadAndSky(int i, Mat image)
    {
        var h = image.Rows;
        using var top = image.RowRange(0, h / 2);
        using var bottom = image.RowRange(h / 2, h);
        Fill(top, TrainIds.Sky);
        Fill(bottom, TrainIds.Road);
    }

    public void Dispose() => Session.Dispose();
}
