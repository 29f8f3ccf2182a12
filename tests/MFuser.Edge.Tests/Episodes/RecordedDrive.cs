using System.Text;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.FieldLog.Recording;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.DomainStatistics;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Episodes;

/// <summary>
/// A drive recorded by the real <see cref="FieldLogRecorder"/> into real MCAP files: 30 s at 10 Hz of synthetic
/// 160×96 frames (sky over road; a car appears during episodes) with their label maps and overlays, shift scores, a
/// GPS track heading north-east, and three episodes (<see cref="Planned"/>).
/// </summary>
internal static class RecordedDrive
{
    public const int Width = 160, Height = 96, Frames = 300;
    public static readonly DateTimeOffset T0 = new(2026, 12, 1, 9, 30, 0, TimeSpan.Zero);

    /// <summary>The episodes written: id, first and last frame, dominant signal, peak score.</summary>
    public static readonly (string Id, int From, int To, ShiftSignal Dominant, double Peak)[] Planned =
    [
        ("0193aaaa0001", 40, 70, ShiftSignal.Brightness, 6.5),
        ("0193bbbb0002", 130, 160, ShiftSignal.Contrast, 8.25),
        ("0193cccc0003", 220, 235, ShiftSignal.Brightness, 4.75),
    ];

    public static FrameStamp Stamp(int i) => new(i, T0 + TimeSpan.FromMilliseconds(100 * i));

    public static GeoFix Fix(int i) => new(48.1 + i * 2e-5, 11.5 + i * 3e-5, 520, GeoFixQuality.Gps, Stamp(i).CapturedAt, 9, 0.9);

    /// <summary>Records the drive into <paramref name="directory"/>.</summary>
    public static async Task WriteAsync(string directory)
    {
        await using var r = new FieldLogRecorder(new FieldLogOptions
        {
            Directory = directory, MinFreeBytes = 0, ChunkSize = 64 << 10, PreTrigger = TimeSpan.FromSeconds(2),
            PostTrigger = TimeSpan.FromSeconds(1), Classes = Cityscapes.Classes, QueueCapacity = 4096,
        });
        r.Start();
        for (var i = 0; i < Frames; i++)
        {
            var episode = Planned.Select((p, k) => (p, k)).FirstOrDefault(x => i >= x.p.From && i <= x.p.To);
            var inEpisode = episode.p.Id is not null;
            var s = Stamp(i);
            if (inEpisode && i == episode.p.From)
                Send(r, EpisodeEventKind.New, episode.p, 0, i);
            using var labels = Labels(car: inEpisode);
            using var frame = Paint(labels);
            Assert.True(r.Frame(s, frame.ImEncode(".jpg")));
            Assert.True(r.Overlay(s, frame.ImEncode(".jpg")));
            Assert.True(r.Labels(s, labels.ImEncode(".png")));
            var (from, to) = (episode.p.From, episode.p.To);
            var score = inEpisode ? episode.p.Peak * (1 - Math.Abs(i - (from + to) / 2.0) / (to - from)) : 0.5;
            var signals = FormattableString.Invariant($"\"frame\":{i},\"captured_at\":\"{Rfc3339.ToString(s.CapturedAt)}\",\"score\":{score:0.###}");
            var json = "{" + signals + ",\"dominant\":\"brightness\",\"signals\":{},\"z\":{}}";
            Assert.True(r.Json(FieldLogChannel.ShiftSignals, s, Encoding.UTF8.GetBytes(json)));
            if (i % 5 == 0)
                Assert.True(r.Fix(Fix(i)));
            if (inEpisode && i == episode.p.To)
                Send(r, EpisodeEventKind.End, episode.p, 1, i);
            if (i % 100 == 99)
                await r.FlushAsync(); // a camera paces the recorder; here the writer catches up every 10 s of drive
        }
        await r.FlushAsync();
    }

    private static void Send(FieldLogRecorder r, EpisodeEventKind kind, (string Id, int From, int To, ShiftSignal Dominant, double Peak) p,
        int seq, int frame)
    {
        var ended = kind == EpisodeEventKind.End ? Stamp(frame).CapturedAt : (DateTimeOffset?)null;
        var e = new EpisodeEvent(kind, p.Id, seq, Stamp(frame), Stamp(p.From).CapturedAt, ended,
            p.Peak, kind == EpisodeEventKind.End ? p.Peak : p.Peak / 2, p.Dominant, new double[ShiftSignals.Count], new double[ShiftSignals.Count],
            kind == EpisodeEventKind.End ? EpisodeEndReason.Recovered : null);
        r.Episode(e, EpisodeEventJson.Serialize(e, Fix(frame)));
    }

    /// <summary>Class ids: sky above, road below, a car in the middle during episodes.</summary>
    public static Mat Labels(bool car)
    {
        var labels = new Mat(Height, Width, MatType.CV_8UC1, Scalar.All(TrainIds.Road));
        using (var sky = labels.RowRange(0, Height / 2))
            sky.SetTo(Scalar.All(TrainIds.Sky));
        if (car)
            labels.Rectangle(new Rect(60, 50, 40, 20), Scalar.All(TrainIds.Car), -1);
        return labels;
    }

    /// <summary>The frame: each pixel in its class's Cityscapes colour (BGR).</summary>
    private static Mat Paint(Mat labels)
    {
        using var lut = new Mat(1, 256, MatType.CV_8UC3, Scalar.All(0));
        foreach (var c in Cityscapes.Classes)
            lut.Set(0, c.Id, new Vec3b(c.Color.B, c.Color.G, c.Color.R));
        using var bgr = new Mat();
        Cv2.CvtColor(labels, bgr, ColorConversionCodes.GRAY2BGR);
        var frame = new Mat();
        Cv2.LUT(bgr, lut, frame);
        return frame;
    }
}
