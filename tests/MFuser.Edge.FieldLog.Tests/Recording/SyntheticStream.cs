using System.Text;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.FieldLog.Recording;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.FieldLog.Tests.Recording;

/// <summary>A synthetic 10 Hz stream for the recorder: camera, drivable and signals every frame, labels and GPS every
/// 5th frame, and hand-made episode events.</summary>
internal static class SyntheticStream
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    public static FrameStamp Stamp(int i) => new(i, T0 + TimeSpan.FromMilliseconds(100 * i));

    public static byte[] Jpeg(int i, int size) => Enumerable.Range(0, size).Select(k => (byte)(i * 31 + k)).ToArray();

    /// <summary>Feeds frame <paramref name="i"/>; returns the topics it fed.</summary>
    public static IEnumerable<string> Feed(FieldLogRecorder r, int i, int jpegSize = 2000)
    {
        var s = Stamp(i);
        Assert.True(r.Frame(s, Jpeg(i, jpegSize)));
        yield return "/camera/image";
        Assert.True(r.Json(FieldLogChannel.Drivable, s, Encoding.UTF8.GetBytes($$"""{"frame":{{i}},"drivable_fraction":0.4}""")));
        yield return "/drivable";
        Assert.True(r.Json(FieldLogChannel.ShiftSignals, s, Encoding.UTF8.GetBytes($$"""{"frame":{{i}},"score":1.5}""")));
        yield return "/domain_shift/signals";
        if (i % 5 != 0)
            yield break;
        Assert.True(r.Labels(s, Jpeg(i, 300)));
        yield return "/segmentation/labels";
        Assert.True(r.Fix(new GeoFix(48.1 + i * 1e-5, 11.5, 520, GeoFixQuality.Gps, s.CapturedAt, 9, 0.9)));
        yield return "/gps";
    }

    /// <summary>Feeds frames <paramref name="from"/> … <paramref name="to"/> (inclusive).</summary>
    public static void FeedRange(FieldLogRecorder r, int from, int to, int jpegSize = 2000)
    {
        for (var i = from; i <= to; i++)
            foreach (var _ in Feed(r, i, jpegSize)) { }
    }

    public static EpisodeEvent Event(EpisodeEventKind kind, string id, int seq, int frame) =>
        new(kind, id, seq, Stamp(frame), Stamp(frame).CapturedAt, kind == EpisodeEventKind.End ? Stamp(frame).CapturedAt : null, 5, 6,
            ShiftSignal.Brightness, new double[ShiftSignals.Count], new double[ShiftSignals.Count]);

    public static void Episode(FieldLogRecorder r, EpisodeEvent e) => r.Episode(e, EpisodeEventJson.Serialize(e, null));
}
