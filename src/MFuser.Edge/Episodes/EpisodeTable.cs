using System.Globalization;
using System.Text.Json;

namespace MFuser.Edge.Episodes;

/// <summary>The episode list of <c>mfuser-edge episodes</c>: an aligned text table or JSON.</summary>
internal static class EpisodeTable
{
    private static readonly string[] Header = ["ID", "START (UTC)", "END (UTC)", "DURATION", "DOMINANT", "PEAK", "GPS START", "GPS END"];

    public static string Text(IReadOnlyList<Episode> episodes)
    {
        var rows = episodes.Select(e => new[]
        {
            e.Id, Time(e.Start), e.End is { } end ? Time(end) : "open", Duration(e.Duration), e.Dominant,
            e.PeakScore.ToString("0.0", CultureInfo.InvariantCulture), Point(e.GpsStart), Point(e.GpsEnd),
        }).Prepend(Header).ToList();
        var widths = Enumerable.Range(0, Header.Length).Select(c => rows.Max(r => r[c].Length)).ToArray();
        return string.Concat(rows.Select(r => string.Join("  ", r.Select((cell, c) => cell.PadRight(widths[c]))).TrimEnd() + "\n"));
    }

    public static string Json(IReadOnlyList<Episode> episodes) => JsonSerializer.Serialize(episodes.Select(e => new Dictionary<string, object?>
    {
        ["id"] = e.Id,
        ["start"] = e.Start.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["end"] = e.End?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
        ["duration_s"] = Math.Round(e.Duration.TotalSeconds, 3),
        ["dominant"] = e.Dominant,
        ["peak_score"] = e.PeakScore,
        ["end_reason"] = e.EndReason,
        ["gps_start"] = Json(e.GpsStart),
        ["gps_end"] = Json(e.GpsEnd),
        ["files"] = e.Files.Select(Path.GetFileName).ToList(),
    }), new JsonSerializerOptions { WriteIndented = true }) + "\n";

    internal static string Duration(TimeSpan d) =>
        d.TotalHours >= 1 ? d.ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture) : d.ToString(@"m\:ss\.f", CultureInfo.InvariantCulture);

    private static string Time(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.f", CultureInfo.InvariantCulture);

    private static string Point(GeoPoint? p) => p is { } g ? FormattableString.Invariant($"{g.Lat:0.00000},{g.Lon:0.00000}") : "-";

    private static Dictionary<string, double>? Json(GeoPoint? p) => p is { } g ? new() { ["lat"] = g.Lat, ["lon"] = g.Lon } : null;
}
