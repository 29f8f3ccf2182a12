using System.Text.Json;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.FieldLog.Tests.Mcap;
using MFuser.ModelPackage.Classes;
using static MFuser.Edge.FieldLog.Tests.Recording.SyntheticStream;

namespace MFuser.Edge.FieldLog.Tests.Foxglove;

/// <summary>The Foxglove-native channels (overlay image, free-space LaserScan, camera-mount transform) as the recorder
/// writes them, checked field by field and against Foxglove's published JSON schemas.</summary>
public sealed class FoxgloveChannelsTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-foxglove-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly CameraCalibration Camera = new()
    {
        Source = "test", ImageWidth = 64, ImageHeight = 48, Fx = 32, Fy = 32, Cx = 31.5, Cy = 23.5, MountHeightM = 1.2,
        PitchRad = 0.05, RollRad = 0.01,
    };

    /// <summary>A label map with sky on top, road below and a car in the leftmost of 4 bins.</summary>
    private static DrivableSummary Summary()
    {
        var labels = new byte[64 * 48];
        for (var y = 0; y < 48; y++)
            for (var x = 0; x < 64; x++)
                labels[y * 64 + x] = y < 11 ? TrainIds.Sky : x < 16 && y is >= 30 and < 36 ? TrainIds.Car : TrainIds.Road;
        return new DrivableAnalyzer(Cityscapes.Classes, 64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 4 }, Camera)
            .Analyze(labels, Enumerable.Repeat((byte)255, 64 * 48).ToArray());
    }

    [Fact]
    public async Task Overlay_scan_and_mount_are_recorded_as_foxglove_messages_that_satisfy_foxglove_schemas()
    {
        var summary = Summary();
        await using (var r = new FieldLogRecorder(new FieldLogOptions
        {
            Directory = _dir, MinFreeBytes = 0, ChunkSize = 16 << 10, PreTrigger = TimeSpan.FromSeconds(1), PostTrigger = TimeSpan.Zero,
            Classes = Cityscapes.Classes,
        }))
        {
            r.Start();
            r.Mount(Camera);
            for (var i = 0; i < 40; i++)
            {
                FeedRange(r, i, i);
                Assert.True(r.Overlay(Stamp(i), Jpeg(i + 1000, 500)));
                Assert.True(r.Scan(Stamp(i), summary.FreeSpace));
                if (i == 20)
                    Episode(r, Event(EpisodeEventKind.New, "0193fox", 0, i));
                if (i == 30)
                    Episode(r, Event(EpisodeEventKind.End, "0193fox", 1, i));
            }
            await r.FlushAsync();
        }

        var path = Assert.Single(Directory.GetFiles(_dir, "*.mcap"));
        var file = McapReader.Read(path);
        // Recorded: the 1 s ring before the new (frames 10 … 19) and frames 20 … 30 (post-trigger 0).
        Assert.Equal(21, file.On("/free_space/scan").Count());
        Assert.Equal(21, file.On("/segmentation/overlay").Count());

        var tf = Assert.Single(file.On("/tf"));
        Assert.Equal(file.Messages.Min(m => m.LogTime), tf.LogTime);
        var transform = JsonDocument.Parse(tf.Data).RootElement;
        Assert.Equal("base_link", transform.GetProperty("parent_frame_id").GetString());
        Assert.Equal("camera", transform.GetProperty("child_frame_id").GetString());
        Assert.Equal(1.2, transform.GetProperty("translation").GetProperty("z").GetDouble());

        // The LaserScan is the drivable payload's free_space.scan: same angles, ranges in the same (counter-clockwise)
        // order, a range the payload leaves null (no boundary) drawn at range_max with intensity 0.
        var payload = JsonDocument.Parse(new DrivablePayloadWriter().Write(Stamp(10), summary, default)).RootElement
            .GetProperty("free_space").GetProperty("scan");
        var scan = JsonDocument.Parse(file.On("/free_space/scan").First().Data).RootElement;
        Assert.Equal("base_link", scan.GetProperty("frame_id").GetString());
        Assert.Equal(payload.GetProperty("angle_min").GetDouble(), scan.GetProperty("start_angle").GetDouble());
        Assert.Equal(payload.GetProperty("angle_max").GetDouble(), scan.GetProperty("end_angle").GetDouble());
        var expectedRanges = payload.GetProperty("ranges").EnumerateArray()
            .Select(x => x.ValueKind == JsonValueKind.Null ? payload.GetProperty("range_max").GetDouble() : x.GetDouble());
        Assert.Equal(expectedRanges, scan.GetProperty("ranges").EnumerateArray().Select(x => x.GetDouble()));
        var expectedIntensities = payload.GetProperty("ranges").EnumerateArray().Select(x => x.ValueKind == JsonValueKind.Null ? 0.0 : 1.0);
        Assert.Equal(expectedIntensities, scan.GetProperty("intensities").EnumerateArray().Select(x => x.GetDouble()));
        Assert.Contains(0.0, expectedIntensities);
        Assert.Contains(1.0, expectedIntensities);

        var overlay = JsonDocument.Parse(file.On("/segmentation/overlay").First().Data).RootElement;
        Assert.Equal(("camera", "jpeg"), (overlay.GetProperty("frame_id").GetString(), overlay.GetProperty("format").GetString()));
        Assert.Equal(Jpeg(1010, 500), overlay.GetProperty("data").GetBytesFromBase64());

        var classes = JsonDocument.Parse(file.Channels.Single(c => c.Topic == "/segmentation/labels").Metadata["classes"]).RootElement;
        Assert.Equal(19, classes.GetArrayLength());
        Assert.Equal("#804080", classes[0].GetProperty("color").GetString());

        var js = McapJs.Summarize(path);
        Assert.True(js.GetProperty("schemaErrors").GetArrayLength() == 0, js.GetProperty("schemaErrors").ToString());
        foreach (var channel in js.GetProperty("channels").EnumerateArray().Where(c => c.GetProperty("schema").GetString()!.StartsWith("foxglove.")))
            Assert.Equal(channel.GetProperty("messages").GetInt32(), channel.GetProperty("validated").GetInt32());
        var schemas = js.GetProperty("channels").EnumerateArray()
            .ToDictionary(c => c.GetProperty("topic").GetString()!, c => c.GetProperty("schema").GetString());
        Assert.Equal("foxglove.LaserScan", schemas["/free_space/scan"]);
        Assert.Equal("foxglove.FrameTransform", schemas["/tf"]);
        Assert.Equal("foxglove.CompressedImage", schemas["/segmentation/overlay"]);
    }

    [Fact]
    public async Task Without_calibration_a_scan_is_not_recorded()
    {
        var labels = new byte[64 * 48];
        var uncalibrated = new DrivableAnalyzer(Cityscapes.Classes, 64, 48, new DrivableAnalyzerOptions { FreeSpaceBins = 4 })
            .Analyze(labels, new byte[64 * 48]);
        await using var r = new FieldLogRecorder(new FieldLogOptions { Directory = _dir, MinFreeBytes = 0 });
        r.Start();
        Assert.False(r.Scan(Stamp(0), uncalibrated.FreeSpace));
        Assert.Equal(0, r.Counters.Enqueued);
    }
}
