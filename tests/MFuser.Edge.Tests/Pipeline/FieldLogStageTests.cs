using System.Text.Json;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.Pipeline.Stages;
using MFuser.ModelPackage.Classes;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;
using LogLevel = Microsoft.Extensions.Logging.LogLevel;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="FieldLogStage"/> on the real frame path into a real MCAP file: the drivable summary of every
/// frame, camera and label images at <c>field_log.image_hz</c>, written by the <c>snapshot</c> command and by the
/// <c>recording</c> setting, and the Foxglove channels (overlay, free-space LaserScan, camera mount).</summary>
public sealed class FieldLogStageTests : IDisposable
{
    private readonly TempDir _dir = new();

    private FieldLogConfig Config(double imageHz) => new(_dir.Path, 64L << 20, 0, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(1), imageHz, 80);

    [Fact]
    public async Task A_snapshot_holds_every_frames_summary_and_the_rate_limited_images()
    {
        using var harness = new StageHarness();
        var stage = new FieldLogStage(Config(imageHz: 60), Cityscapes.Classes, new RuntimeSettings(0, 0, false), NullLoggerFactory.Instance);
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
    public async Task Every_file_carries_the_models_class_table_not_the_default_palette()
    {
        var classes = Cityscapes.Classes.Select(c => c with { Name = $"class{c.Id}", Color = new Rgb((byte)(c.Id * 7), 1, 2) }).ToList();
        using var harness = new StageHarness();
        var stage = new FieldLogStage(Config(imageHz: 60), classes, new RuntimeSettings(0, 0, false), NullLoggerFactory.Instance);
        stage.Start();
        harness.Run([stage], 3);
        Assert.True(stage.Commands()["snapshot"](new CommandRequest("snapshot", "1", new Dictionary<string, string>())).Ok);
        await stage.DisposeAsync();

        // What `mfuser-edge episodes` colours the exported label maps with (the file keeps id, name and colour).
        Assert.Equal(classes.Select(c => (c.Id, c.Name, c.Color)),
            MFuser.Edge.Episodes.DriveLog.Load(_dir.Path).Classes.Select(c => (c.Id, c.Name, c.Color)));
    }

    [Fact]
    public async Task The_recording_setting_starts_a_file_and_image_hz_zero_records_no_images()
    {
        using var harness = new StageHarness();
        var settings = new RuntimeSettings(0, 0, false);
        var stage = new FieldLogStage(Config(imageHz: 0), Cityscapes.Classes, settings, NullLoggerFactory.Instance);
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

    [Fact]
    public async Task With_a_calibration_every_file_starts_with_the_mount_and_holds_scans_and_overlays()
    {
        var camera = new CameraCalibration
        {
            Source = "test", ImageWidth = 320, ImageHeight = 192, Fx = 160, Fy = 160, Cx = 159.5, Cy = 95.5, MountHeightM = 1.4,
            PitchRad = 0.08, RollRad = 0,
        };
        using var harness = new StageHarness();
        var stage = new FieldLogStage(Config(imageHz: 60), Cityscapes.Classes, new RuntimeSettings(0, 0, false), NullLoggerFactory.Instance, camera);
        stage.Start();
        harness.Run([stage], 5, calibration: camera);
        Assert.True(stage.Commands()["snapshot"](new CommandRequest("snapshot", "1", new Dictionary<string, string>())).Ok);
        await stage.DisposeAsync();

        var mcap = McapReader.Read(Assert.Single(Directory.GetFiles(_dir.Path, "*.mcap")));
        var tf = Assert.Single(mcap.On("/tf"));
        Assert.Equal(mcap.Messages[0], tf); // the mount comes first, so the 3D panel can place every scan
        using (var t = JsonDocument.Parse(tf.Data))
        {
            Assert.Equal("base_link", t.RootElement.GetProperty("parent_frame_id").GetString());
            Assert.Equal("camera", t.RootElement.GetProperty("child_frame_id").GetString());
            Assert.Equal(1.4, t.RootElement.GetProperty("translation").GetProperty("z").GetDouble(), 9);
        }
        var scans = mcap.On("/free_space/scan").ToList();
        Assert.Equal(5, scans.Count);
        using (var scan = JsonDocument.Parse(scans[^1].Data))
        {
            var root = scan.RootElement;
            Assert.Equal("base_link", root.GetProperty("frame_id").GetString());
            Assert.True(root.GetProperty("start_angle").GetDouble() < 0 && root.GetProperty("end_angle").GetDouble() > 0);
            Assert.NotEqual(0, root.GetProperty("ranges").GetArrayLength());
        }
        var overlay = mcap.On("/segmentation/overlay").First();
        using var o = JsonDocument.Parse(overlay.Data);
        Assert.Equal("jpeg", o.RootElement.GetProperty("format").GetString());
        using var image = Cv2.ImDecode(o.RootElement.GetProperty("data").GetBytesFromBase64(), ImreadModes.Color);
        Assert.Equal((harness.Width, harness.Height), (image.Width, image.Height));
    }

    [Fact]
    public async Task Without_a_calibration_there_is_no_mount_and_no_scan_but_overlays_are_recorded()
    {
        using var harness = new StageHarness();
        var stage = new FieldLogStage(Config(imageHz: 60), Cityscapes.Classes, new RuntimeSettings(0, 0, false), NullLoggerFactory.Instance);
        stage.Start();
        harness.Run([stage], 3);
        Assert.True(stage.Commands()["snapshot"](new CommandRequest("snapshot", "1", new Dictionary<string, string>())).Ok);
        await stage.DisposeAsync();

        var mcap = McapReader.Read(Assert.Single(Directory.GetFiles(_dir.Path, "*.mcap")));
        Assert.Empty(mcap.On("/tf"));
        Assert.Empty(mcap.On("/free_space/scan"));
        Assert.NotEmpty(mcap.On("/segmentation/overlay"));
    }

    [Fact]
    public async Task A_flood_of_snapshots_that_write_nothing_logs_a_bounded_number_of_warnings_with_the_count()
    {
        var log = new LogRecorder();
        var stage = new FieldLogStage(Config(imageHz: 0), Cityscapes.Classes, new RuntimeSettings(0, 0, false), log);
        stage.Start();
        var snapshot = stage.Commands()["snapshot"];
        for (var i = 0; i < 50; i++) // no frame yet: the pre-trigger ring is empty, so no snapshot is written
            Assert.True(snapshot(new CommandRequest("snapshot", $"{i}", new Dictionary<string, string>())).Ok);
        await stage.DisposeAsync();
        Wait.Until(() => stage.SnapshotsNotWritten == 50, () => $"{stage.SnapshotsNotWritten} of 50 snapshot outcomes");
        // the outcome that won the rate limiter counts itself before it logs: wait for its line too
        Wait.Until(() => log.Lines.Any(l => l.Level == LogLevel.Warning), () => "no warning logged");

        var warnings = log.Lines.Where(l => l.Level == LogLevel.Warning).ToList();
        Assert.InRange(warnings.Count, 1, 10); // one a second at most; the flood takes well under ten
        Assert.Contains("nothing written (the pre-trigger ring was empty", warnings[0].Text);
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.mcap"));
    }

    public void Dispose() => _dir.Dispose();
}
