using System.Globalization;
using System.Net;
using System.Text;

namespace MFuser.Edge.Episodes;

/// <summary>The two drawings of the episode report, as inline SVG: the shift-score timeline with the episodes marked,
/// and the GPS track with the stretches driven during episodes.</summary>
internal static class ReportSvg
{
    /// <summary>The colour that marks episodes (timeline bands and track stretches).</summary>
    public const string EpisodeColour = "#e4572e";

    private const string ScoreColour = "#1f5fbf";

    /// <summary>Score over time (gaps over 2 s are not joined: nothing was recorded there), episodes as bands with a
    /// solid bar on top, a label each.</summary>
    public static string Timeline(DriveLog drive, double width = 1200, double height = 220)
    {
        var times = drive.Scores.Select(s => s.Time).Concat(drive.Episodes.SelectMany(e => new[] { e.Start, e.Until })).ToList();
        if (times.Count == 0)
            return "<p>No shift signals or episodes recorded.</p>";
        var (t0, t1) = (times.Min(), times.Max());
        var span = Math.Max(1e-3, (t1 - t0).TotalSeconds);
        var maxScore = Math.Max(1, drive.Scores.Select(s => s.Value).Concat(drive.Episodes.Select(e => e.PeakScore)).DefaultIfEmpty(1).Max());
        const double left = 40, top = 20, bottom = 24;
        var plotW = width - left - 10;
        var plotH = height - top - bottom;
        double X(DateTimeOffset t) => left + (t - t0).TotalSeconds / span * plotW;
        double Y(double score) => top + plotH - score / maxScore * plotH;

        var svg = new StringBuilder();
        svg.Append(Open("timeline", width, height));
        svg.Append(Invariant($"<rect x=\"{left}\" y=\"{top}\" width=\"{plotW:0.#}\" height=\"{plotH:0.#}\" fill=\"#fafafa\" stroke=\"#ccc\"/>"));
        foreach (var (e, i) in drive.Episodes.Select((e, i) => (e, i)))
        {
            var x = X(e.Start);
            var w = Math.Max(3, X(e.Until) - x);
            svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{top}\" width=\"{w:0.#}\" height=\"{plotH:0.#}\" fill=\"{EpisodeColour}\""))
                .Append(" fill-opacity=\"0.18\"/>");
            svg.Append(Invariant($"<rect x=\"{x:0.#}\" y=\"{top}\" width=\"{w:0.#}\" height=\"10\" fill=\"{EpisodeColour}\"><title>"));
            svg.Append(Escape(e.Id)).Append("</title></rect>");
            svg.Append(Invariant($"<text x=\"{x + 2:0.#}\" y=\"{top - 5}\" font-size=\"11\">{i + 1}</text>"));
        }
        foreach (var run in Runs(drive.Scores))
            svg.Append("<polyline fill=\"none\" stroke=\"").Append(ScoreColour).Append("\" stroke-width=\"1.5\" points=\"")
                .AppendJoin(' ', run.Select(s => Invariant($"{X(s.Time):0.#},{Y(s.Value):0.#}"))).Append("\"/>");
        svg.Append(Invariant($"<text x=\"2\" y=\"{top + 10}\" font-size=\"11\">{maxScore:0.#}</text>"));
        svg.Append(Invariant($"<text x=\"2\" y=\"{top + plotH}\" font-size=\"11\">0</text>"));
        svg.Append(Invariant($"<text x=\"{left}\" y=\"{height - 6}\" font-size=\"11\">{t0:HH:mm:ss} UTC</text>"));
        svg.Append(Invariant($"<text x=\"{width - 10}\" y=\"{height - 6}\" font-size=\"11\" text-anchor=\"end\">{t1:HH:mm:ss} UTC</text>"));
        return svg.Append("</svg>").ToString();
    }

    /// <summary>The GPS fixes as a polyline (equirectangular, north up, <paramref name="size"/> wide and as tall as
    /// the track needs), stretches inside an episode drawn over it in the episode colour; null with fewer than two
    /// fixes.</summary>
    public static string? Track(DriveLog drive, double size = 480)
    {
        var track = drive.Track;
        if (track.Count < 2)
            return null;
        var lat0 = track.Average(p => p.Value.Lat) * Math.PI / 180;
        var points = track.Select(p => (p.Time, X: p.Value.Lon * Math.Cos(lat0), Y: -p.Value.Lat)).ToList();
        var (minX, maxX, minY, maxY) = (points.Min(p => p.X), points.Max(p => p.X), points.Min(p => p.Y), points.Max(p => p.Y));
        var scale = (size - 20) / Math.Max(1e-9, Math.Max(maxX - minX, maxY - minY));
        var height = Math.Max(60, Math.Ceiling((maxY - minY) * scale + 20)); // as tall as the track needs
        string P((DateTimeOffset Time, double X, double Y) p) => Invariant($"{10 + (p.X - minX) * scale:0.#},{10 + (p.Y - minY) * scale:0.#}");
        var svg = new StringBuilder(Open("track", size, height));
        svg.Append(Invariant($"<rect width=\"{size}\" height=\"{height}\" fill=\"#fafafa\" stroke=\"#ccc\"/>"));
        svg.Append("<polyline fill=\"none\" stroke=\"#555\" stroke-width=\"2\" points=\"").AppendJoin(' ', points.Select(P)).Append("\"/>");
        foreach (var e in drive.Episodes)
        {
            var inside = points.Where(p => p.Time >= e.Start && p.Time <= e.Until).ToList();
            if (inside.Count >= 2)
                svg.Append("<polyline fill=\"none\" stroke=\"").Append(EpisodeColour).Append("\" stroke-width=\"5\" points=\"")
                    .AppendJoin(' ', inside.Select(P)).Append("\"/>");
        }
        svg.Append("<circle r=\"5\" fill=\"#2a2\" cx=\"").Append(P(points[0]).Replace(",", "\" cy=\"", StringComparison.Ordinal)).Append("\"/>");
        return svg.Append("</svg>").ToString();
    }

    /// <summary>Splits a time series where more than 2 s pass between samples.</summary>
    private static IEnumerable<List<Sample<double>>> Runs(IReadOnlyList<Sample<double>> samples)
    {
        var run = new List<Sample<double>>();
        foreach (var s in samples)
        {
            if (run.Count > 0 && (s.Time - run[^1].Time).TotalSeconds > 2)
            {
                yield return run;
                run = [];
            }
            run.Add(s);
        }
        if (run.Count > 0)
            yield return run;
    }

    private static string Open(string cssClass, double width, double height) => Invariant(
        $"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{cssClass}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">");

    internal static string Escape(string text) => WebUtility.HtmlEncode(text);

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
