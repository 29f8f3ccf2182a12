using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.Pipeline.Stages;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="FieldLogStage"/> on the real frame path into a real MCAP file: the drivable summary of every
/// frame, camera and label images at <c>field_log.image_hz</c>, written by the <c>snapshot</c> command and by the
/// <c>recording</c> setting.</summary>
public sealed class FieldLogStageTests : IDisposable
{
    private readonly TempDir _dir = new();

    private FieldLogConfig Config(double imageHz) => new(_dir.Path, 64L << 20, 0, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), imageHz, 80);

    [Fact]
    public async Task A_snapshot_holds_every_frames_summary_and_the_rate_limited_images()
    {
        using var harness = new StageHarness();
        var stage = new FieldLogStage(Config(imageHz: 60), new RuntimeSettings(0, 0, false), NullLoggerFactory.Instance);
        stage.Start();
        harness.Run([stage], 6);
        var outcome = stage.Commands()["snapshot"](new CommandRequest("snapshot", "1", new Dictionary<string, string> { ["reason"] = "test" }));
        Assert.True(outcome.Ok);
        await stage.DisposeAsync();

        var file = Assert.Single(Directory.GetFiles(_dir.Path, "*.mcap"));
        var mcap = McapReader.Read(file);
        Assert.Equal(6, mcap.On("/drivable").Count());
        var labels = mcap.On("/segmentation/labels").ToList();
        Assert.InRange(labels.Count, 1, 6);
        var camera = mcap.On("/camera/image").First();
        Assert.Contains("\"jpeg\"", System.Text.Encoding.UTF8.GetString(camera.Data));
    }

    [Fact]
    public async Task The_recording_setting_starts_a_file_and_image_hz_zero_records_no_images()
    {
        using var harness = new StageHarness();
        var settings = new RuntimeSettings(0, 0, false);
        var stage = new FieldLogStage(Config(imageHz: 0), settings, NullLoggerFactory.Instance);
        settings.Changed += stage.SettingChanged;
        stage.Start();
        var router = new ControlRouter(settings, stage.Commands());
        Assert.True(router.Handle("recording/set", new(System.Text.Encoding.UTF8.GetBytes("ON")))?.Accepted);
        harness.Run([stage], 4);
        Wait.Until(() => stage.AddStats(DomainShiftStageTests.Empty).FieldLog!.Recording, () => "stats.field_log.recording");
        await stage.DisposeAsync();

        var mcap = McapReader.Read(Assert.Single(Directory.GetFiles(_dir.Path, "*.mcap")));
        Assert.Equal(4, mcap.On("/drivable").Count());
        Assert.Empty(mcap.On("/camera/image"));
    }

    public void Dispose() => _dir.Dispose();
}
