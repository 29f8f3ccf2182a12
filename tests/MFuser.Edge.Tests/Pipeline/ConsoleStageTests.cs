using System.Diagnostics;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Systemd;
using MFuser.ModelPackage.Classes;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="ConsoleStage"/>: what it hands the console for real frames, and its readiness rule.</summary>
public sealed class ConsoleStageTests
{
    private static readonly WebConfig Web = new(true, "127.0.0.1:0", "", 30);

    [Fact]
    public async Task Readiness_needs_a_processed_frame_within_the_stall_time_and_the_source_present()
    {
        using var harness = new StageHarness();
        var watchdog = new FrameWatchdog(TimeSpan.FromSeconds(5));
        await using var stage = new ConsoleStage(Web, watchdog, null, null);
        var before = stage.Readiness(Stopwatch.GetTimestamp());
        Assert.Equal((false, "no frame processed yet"), (before.IsReady, before.Reason));

        harness.Run([stage], 2);

        var now = Stopwatch.GetTimestamp();
        Assert.True(stage.Readiness(now).IsReady, stage.Readiness(now).Reason);
        Assert.StartsWith("frames flowing (last ", stage.Readiness(now).Reason);
        var stalled = stage.Readiness(now + 6 * Stopwatch.Frequency);
        Assert.False(stalled.IsReady);
        Assert.Matches(@"^no frame for 6\.\d s \(watchdog\.stall_s = 5\)$", stalled.Reason);
        watchdog.SourceAvailable = false;
        Assert.Equal((false, "the source is away and being reopened"), (stage.Readiness(now).IsReady, stage.Readiness(now).Reason));
    }

    [Fact]
    public async Task Image_requests_get_the_overlay_and_label_map_of_processed_frames()
    {
        using var harness = new StageHarness();
        await using var stage = new ConsoleStage(Web, new FrameWatchdog(TimeSpan.FromSeconds(5)), null, null);
        await using var host = await stage.StartHostAsync(NullLoggerFactory.Instance, default);
        using var http = new HttpClient { BaseAddress = host.Address };
        using var frames = new CancellationTokenSource();
        var drive = Task.Run(() =>
        {
            while (!frames.IsCancellationRequested)
                harness.Run([stage], 5);
        });
        try
        {
            while (!(await http.GetAsync("api/drivable")).IsSuccessStatusCode)
                await Task.Delay(20);
            // Frames flow; each request asks for its view, and the next frame encodes it.
            using var jpeg = Cv2.ImDecode(await http.GetByteArrayAsync("api/overlay.jpg"), ImreadModes.Color);
            using var png = Cv2.ImDecode(await http.GetByteArrayAsync("api/labels.png"), ImreadModes.Unchanged);
            Assert.Equal((harness.Width, harness.Height), (jpeg.Width, jpeg.Height));
            var road = jpeg.At<Vec3b>(harness.Height * 3 / 4, harness.Width / 2); // road colour over road: (128, 64, 128)
            Assert.True(Math.Abs(road.Item0 - 128) + Math.Abs(road.Item1 - 64) + Math.Abs(road.Item2 - 128) < 20, $"overlay road pixel {road}");
            Assert.Equal(MatType.CV_8UC1, png.Type());
            Assert.Equal(TrainIds.Road, png.At<byte>(harness.Height * 3 / 4, harness.Width / 2));
            Assert.Equal(TrainIds.Sky, png.At<byte>(harness.Height / 4, harness.Width / 2));
            Assert.Contains("\"drivable_fraction\"", await http.GetStringAsync("api/drivable"));
        }
        finally
        {
            await frames.CancelAsync();
            await drive;
        }
    }

    [Fact]
    public void Bad_web_keys_are_configuration_problems_naming_the_key()
    {
        var problems = ConsoleStage.Check(Web with { Listen = "0.0.0.0:8080" }).ToList();
        var problem = Assert.Single(problems);
        Assert.Equal(("configuration", "web.token", ""), (problem.Origin, problem.Key, problem.Value));
        Assert.StartsWith("expected a token of at least 16 characters", problem.Problem);
        Assert.Empty(ConsoleStage.Check(Web with { Listen = "0.0.0.0:8080", Token = new string('a', 32) }));
    }
}
