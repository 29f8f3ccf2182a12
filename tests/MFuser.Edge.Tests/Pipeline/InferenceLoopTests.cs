using System.Collections;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Inference;
using MFuser.Edge.Messaging;
using MFuser.Edge.Pipeline;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Startup;
using MFuser.Edge.Systemd;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;
using Xunit.Abstractions;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary>The daemon's per-frame hot path, counted in bytes rather than timed: the inference thread
/// (<see cref="InferenceLoop"/>) and the stage thread (<see cref="StageRunner"/> with the default stages: publish to a
/// real mosquitto, domain shift, watchdog) on the fixture model. Managed bytes allocated on each thread
/// (<see cref="GC.GetAllocatedBytesForCurrentThread"/>) are deterministic, so a regression (a closure, a LINQ call, a
/// boxed value, a per-frame OpenCV proxy) shows up as a failure. ONNX Runtime runs through I/O bindings made once and
/// the resize through cached OpenCV proxies; the MQTT client's work runs on its sender task, not on either thread.</summary>
public sealed class InferenceLoopTests(ITestOutputHelper output)
{
    /// <summary>Inference thread, bytes per frame: 0 B at the model size and with a resize (the OpenCV proxies are cached)
    /// were measured (2026-12-07); the bound is the frame-stage design's target.</summary>
    private const int InferenceBytesPerFrameBound = 64;

    /// <summary>Stage thread, bytes per frame: the whole post-inference path (analysis, drivable JSON, publish, domain
    /// shift, watchdog; the web console with no viewer). The earlier single-thread bound; one CI run on a busy machine
    /// saw 350 B in a single window (the MQTT payload pool growing while the sender lagged), hence the least of three
    /// windows.</summary>
    private const int StageBytesPerFrameBound = 512;

    [Theory]
    [InlineData(320, 192, "model size: copied", false)]
    [InlineData(512, 256, "camera size: resized", false)]
    [InlineData(320, 192, "web console on, metrics exporter listening", true)]
    public async Task Steady_state_frames_allocate_less_than_the_bounds_on_both_threads(int width, int height, string what, bool console)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var config = ConfigLoader.Load(null, new Hashtable(),
        [
            ("broker.url", $"mqtt://127.0.0.1:{broker.Port}", "test"), ("publish.segmentation_hz", "0", "test"),
            ("inference.providers", "cpu", "test"), ("web.enabled", console ? "true" : "false", "test"), ("web.listen", "127.0.0.1:0", "test"),
        ]);
        using var session = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage),
            SessionSettings.CpuOnly with { IntraOpThreads = 1 });
        await using var link = new MqttLink(new MqttLinkOptions { Host = "127.0.0.1", Port = broker.Port, DeviceId = "alloc" });
        var analyzer = new Core.Analysis.DrivableAnalyzer(session.Package.Manifest.Classes, session.Width, session.Height, new());
        using var notifier = new SystemdNotifier(null);
        using var petter = new WatchdogPetter(notifier, new FrameWatchdog(TimeSpan.FromSeconds(10)));
        await using var stages = StageFactory.Build(new StageInputs(config, session.Width, session.Height, session.Package.Manifest.Classes, link,
            new ResolvedReference(null, "none"),
            new RuntimeSettings(0, 0, false), () => null, new FrameWatchdog(TimeSpan.FromSeconds(10)), petter, NullLoggerFactory.Instance));
        Assert.Equal(console ? ["publish", "domain_shift", "watchdog", "console"] : ["publish", "domain_shift", "watchdog"],
            stages.All.Select(s => s.Name));
        // With the console: its HTTP host runs, so the OpenTelemetry exporter listens to the stage-duration histogram.
        await using var web = console ? await stages.All.OfType<ConsoleStage>().Single().StartHostAsync(NullLoggerFactory.Instance, default) : null;
        using var images = new FrameImages(session.Width, session.Height, session.Package.Manifest.Classes, 75, 75);
        var drivable = new DrivablePayloadWriter();
        link.Start();
        Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(10)), "mosquitto did not accept the link");

        using var slot = new FrameSlot();
        using var stop = new CancellationTokenSource();
        var camera = Task.Factory.StartNew(() => Feed(slot, width, height, stop.Token), TaskCreationOptions.LongRunning);
        try
        {
            // Warm-up: JIT tiers, the payload writer's buffer, the MQTT payload pool, the domain-shift warm-up state.
            await Window(60);
            // Three windows, the least of each thread counts: a window in which the MQTT sender fell behind on a loaded
            // machine (the payload pool grows once) or a one-off transition lands is not the steady state.
            var (inference, stage) = (double.PositiveInfinity, double.PositiveInfinity);
            var publishedBefore = link.Counters.Published;
            long processed = 0;
            for (var window = 0; window < 3; window++)
            {
                var w = await Window(200);
                inference = Math.Min(inference, w.Inference);
                stage = Math.Min(stage, w.Stage);
                processed += w.Processed;
            }
            var published = link.Counters.Published - publishedBefore;
            output.WriteLine($"{what}: inference thread {inference:F1} B/frame, stage thread {stage:F1} B/frame (least of 3 windows of 200 frames)");
            Assert.True(inference < InferenceBytesPerFrameBound,
                $"{what}: the inference thread allocated {inference:F0} B/frame, bound {InferenceBytesPerFrameBound}");
            Assert.True(stage < StageBytesPerFrameBound, $"{what}: the stage thread allocated {stage:F0} B/frame, bound {StageBytesPerFrameBound}");
            Assert.True(published > processed / 2, $"only {published} of {processed} frames' drivable payloads were published");
        }
        finally
        {
            stop.Cancel();
            await camera;
        }

        // One window: a fresh hand-off, loop and runner over the shared, warm parts; each thread counts its own bytes.
        async Task<(double Inference, double Stage, long Processed)> Window(int frames)
        {
            using var handoff = new FrameHandoff(session);
            var loop = new InferenceLoop(slot, session, handoff, frames);
            var runner = new StageRunner(handoff, analyzer, images, drivable, () => null, stages.All, NullLogger.Instance);
            var stageThread = Task.Factory.StartNew(() => Counted(runner.Run), TaskCreationOptions.LongRunning);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var inferenceBytes = await Task.Factory.StartNew(() => Counted(() => Assert.True(loop.Run(timeout.Token), "no frames within 60 s")),
                TaskCreationOptions.LongRunning);
            var stageBytes = await stageThread;
            return (inferenceBytes / (double)loop.Processed, stageBytes / (double)Math.Max(1, runner.Processed), runner.Processed);
        }
    }

    [Fact]
    public void A_camera_frame_is_area_resized_into_the_bound_model_input()
    {
        using var session = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage),
            SessionSettings.CpuOnly with { IntraOpThreads = 1 });
        using var slot = new FrameSlot();
        using var handoff = new FrameHandoff(session);
        var frame = slot.WriteBuffer;
        frame.Image.Create(session.Height * 2 + 6, session.Width * 2 + 10, MatType.CV_8UC3);
        Cv2.Randu(frame.Image, Scalar.All(0), Scalar.All(256));
        using var expected = new Mat();
        Cv2.Resize(frame.Image, expected, new Size(session.Width, session.Height), 0, 0, InterpolationFlags.Area);
        slot.Publish();
        slot.Complete();

        Assert.True(new InferenceLoop(slot, session, handoff, maxFrames: 1).Run(CancellationToken.None));
        var processed = handoff.Take(TimeSpan.FromSeconds(5))!;
        Assert.True(expected.IsContinuous());
        Assert.True(processed.Buffers.Input.SequenceEqual(expected.AsSpan<byte>()), "the model input differs from Cv2.Resize's");
        handoff.Release(processed);
    }

    private static long Counted(Action work)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        work();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    /// <summary>A camera thread publishing grey-ramp frames as fast as the slot takes them (latest wins).</summary>
    private static void Feed(FrameSlot slot, int width, int height, CancellationToken ct)
    {
        for (long id = 0; !ct.IsCancellationRequested; id++)
        {
            var frame = slot.WriteBuffer;
            frame.Image.Create(height, width, MatType.CV_8UC3);
            frame.Image.SetTo(new Scalar(id % 256, 90, 90));
            frame.Id = id;
            frame.CapturedAt = DateTimeOffset.UtcNow;
            frame.Timestamp = System.Diagnostics.Stopwatch.GetTimestamp();
            slot.Publish();
            Thread.Sleep(1);
        }
        slot.Complete();
    }
}
