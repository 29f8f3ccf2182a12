using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace MFuser.Bench.Report;

/// <summary>Number and cell formatting shared by the sections of docs/performance.md.</summary>
internal static class ReportFormat
{
    internal static string PartError(JsonNode? part) => part?["error"] is { } e ? $"not measured: {e}" : "not measured (part not run)";

    /// <summary>Text fit for one table cell: whitespace runs (newlines included) collapsed, pipes escaped.</summary>
    internal static string Cell(string text) =>
        System.Text.RegularExpressions.Regex.Replace(text, @"\s+", " ").Trim().Replace("|", "\\|");

    internal static double D(JsonNode? n) => n is null ? double.NaN : n.GetValue<double>();
    internal static double? N(JsonNode? n) => n?.GetValue<double>();

    internal static string F(JsonNode? n) => n is null ? "–" : n.GetValueKind() == System.Text.Json.JsonValueKind.Number
        ? F(n.GetValue<double>()) : n.ToString();

    internal static string F(double? v) => v is not { } x || double.IsNaN(x) ? "–"
        : Math.Abs(x) >= 100 ? x.ToString("F0", CultureInfo.InvariantCulture)
        : Math.Abs(x) >= 10 ? x.ToString("F1", CultureInfo.InvariantCulture)
        : x.ToString("0.###", CultureInfo.InvariantCulture);

    internal static string E(JsonNode? n) => n is null ? "–" : n.GetValue<double>().ToString("0.0e0", CultureInfo.InvariantCulture);
}
