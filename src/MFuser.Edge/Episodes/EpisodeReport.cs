using System.Globalization;
using System.Text;
using OpenCvSharp;
using static MFuser.Edge.Episodes.ReportSvg;

namespace MFuser.Edge.Episodes;

/// <summary>
/// The drive report of <c>mfuser-edge episodes report</c>: one self-contained HTML page (no scripts, no external
/// resources; images inlined as <c>data:</c> URIs) with the shift-score timeline, totals per dominant signal, the GPS
/// track, and per episode its facts and a strip of up to <see cref="ThumbnailsPerEpisode"/> frames with their overlays,
/// downscaled to <see cref="ThumbnailWidth"/> pixels.
/// </summary>
internal static class EpisodeReport
{
    public const int ThumbnailsPerEpisode = 6;
    public const int ThumbnailWidth = 176;

    public static string Html(DriveLog drive)
    {
        var page = new StringBuilder();
        page.Append("""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><title>Drive report</title>
            <style>
            body{font-family:sans-serif;margin:16px;color:#222;background:#fff}h1{font-size:20px}h2{font-size:16px;margin-top:24px}
            table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
            .strip{display:flex;flex-wrap:wrap;gap:6px}.strip figure{margin:0;font-size:11px}.strip img{display:block}
            .badge{display:inline-block;width:12px;height:12px;background:#e4572e;margin-right:6px}
            </style></head><body>
            """);
        var first = drive.Files.Count > 0 ? Path.GetFileName(drive.Files[0]) : "";
        page.Append("<h1>Drive report: ").Append(Escape(drive.Directory)).Append("</h1>");
        page.Append(Invariant($"<p>{drive.Files.Count} field-log files (first: {Escape(first)}), {drive.Episodes.Count} episodes"));
        if (drive.Skipped.Count > 0)
            page.Append(Invariant($"; {drive.Skipped.Count} unreadable files skipped: "))
                .AppendJoin(", ", drive.Skipped.Select(s => Escape(Path.GetFileName(s.Path))));
        page.Append(".</p>");

        page.Append("<h2>Shift score</h2>").Append(Timeline(drive));
        page.Append("<h2>Totals per dominant signal</h2>").Append(Totals(drive));
        if (Track(drive) is { } track)
            page.Append("<h2>GPS track</h2>").Append(track);
        foreach (var (episode, i) in drive.Episodes.Select((e, i) => (e, i)))
            page.Append(Section(drive, episode, i + 1));
        return page.Append("</body></html>\n").ToString();
    }

    private static string Totals(DriveLog drive)
    {
        var rows = drive.Episodes.GroupBy(e => e.Dominant).OrderByDescending(g => g.Count()).Select(g =>
        {
            var total = EpisodeTable.Duration(TimeSpan.FromTicks(g.Sum(e => e.Duration.Ticks)));
            return Invariant($"<tr><td>{Escape(g.Key)}</td><td>{g.Count()}</td><td>{total}</td><td>{g.Max(e => e.PeakScore):0.0}</td></tr>");
        });
        return "<table><tr><th>dominant signal</th><th>episodes</th><th>total duration</th><th>peak score</th></tr>"
               + string.Concat(rows) + "</table>";
    }

    private static string Section(DriveLog drive, Episode e, int number)
    {
        var s = new StringBuilder();
        s.Append(Invariant($"<h2><span class=\"badge\"></span>Episode {number}: {Escape(e.Id)}</h2>"));
        var until = e.End is { } end ? end.UtcDateTime.ToString("HH:mm:ss.f", CultureInfo.InvariantCulture) : "open";
        s.Append(Invariant($"<p>{e.Start.UtcDateTime:yyyy-MM-dd HH:mm:ss.f} – {until} UTC"));
        s.Append(Invariant($" ({EpisodeTable.Duration(e.Duration)}), dominant <b>{Escape(e.Dominant)}</b>, peak score {e.PeakScore:0.0}"));
        if (e.GpsStart is { } g)
            s.Append(Invariant($", starts at {g.Lat:0.00000}, {g.Lon:0.00000}"));
        s.Append("</p><div class=\"strip\">");
        var images = EpisodeImages.Read(e);
        var frames = images.Where(i => i.Kind == ImageKind.Frame).ToList();
        foreach (var frame in Pick(frames, ThumbnailsPerEpisode))
        {
            var overlay = images.FirstOrDefault(i => i.Kind == ImageKind.Overlay && i.Time == frame.Time);
            s.Append(Figure(frame, "frame"));
            if (overlay is not null)
                s.Append(Figure(overlay, "overlay"));
        }
        if (frames.Count == 0)
            s.Append("<p>No camera frames recorded in this episode (field_log.image_hz = 0?).</p>");
        return s.Append("</div>").ToString();
    }

    /// <summary>Up to <paramref name="count"/> items spread evenly over the list, first and last included.</summary>
    private static IEnumerable<T> Pick<T>(List<T> items, int count) =>
        items.Count <= count ? items : Enumerable.Range(0, count).Select(k => items[(int)Math.Round(k * (items.Count - 1) / (double)(count - 1))]);

    private static string Figure(RecordedImage image, string what)
    {
        string uri;
        try
        {
            uri = Thumbnail(image);
        }
        catch (InvalidDataException)
        {
            return "";
        }
        return Invariant($"<figure><img alt=\"{what}\" width=\"{ThumbnailWidth}\" src=\"{uri}\">")
               + Invariant($"<figcaption>{image.Time.UtcDateTime:HH:mm:ss.f} {what}</figcaption></figure>");
    }

    private static string Thumbnail(RecordedImage image)
    {
        using var mat = EpisodeImages.Decode(image);
        using var small = new Mat();
        var height = Math.Max(1, (int)Math.Round(mat.Rows * (double)ThumbnailWidth / mat.Cols));
        Cv2.Resize(mat, small, new Size(ThumbnailWidth, height), interpolation: InterpolationFlags.Area);
        var jpeg = small.ImEncode(".jpg", new ImageEncodingParam(ImwriteFlags.JpegQuality, 70));
        return "data:image/jpeg;base64," + Convert.ToBase64String(jpeg);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
