using System.Text.Json.Nodes;

namespace MFuser.Bench.Scaling;

/// <summary>Reads an ONNX Runtime profile (the chrome-trace JSON that <c>EndProfiling</c> writes) for the nodes whose
/// names start with a prefix (the exporter names every node by its module scope, e.g. <c>backbone.adapter.2/…</c>).</summary>
public static class FusionProfile
{
    /// <param name="TotalMs">each timed <c>model_run</c>'s duration</param>
    /// <param name="PrefixMsMedianRun">the median over runs of the prefix nodes' summed kernel times</param>
    /// <param name="PrefixMsSumOfMinima">Σ over prefix nodes of the node's fastest run: on a shared machine, where any
    /// node may lose its core for a while, the best estimate of the uncontended cost</param>
    public sealed record Split(IReadOnlyList<double> TotalMs, double PrefixMsMedianRun, double PrefixMsSumOfMinima);

    /// <summary>Splits the runs after the first <paramref name="skipRuns"/> (warm-up).</summary>
    public static Split Read(string profilePath, string nodePrefix, int skipRuns)
    {
        var events = JsonNode.Parse(File.ReadAllText(profilePath))!.AsArray().Select(e => e!.AsObject()).ToList();
        double Ts(JsonObject e) => e["ts"]!.GetValue<double>();
        double Dur(JsonObject e) => e["dur"]!.GetValue<double>() / 1e3;
        var nodes = events.Where(e => (string?)e["cat"] == "Node"
                && ((string?)e["name"])?.EndsWith("_kernel_time", StringComparison.Ordinal) == true
                && ((string)e["name"]!).StartsWith(nodePrefix, StringComparison.Ordinal))
            .ToList();
        var runs = events.Where(e => (string?)e["cat"] == "Session" && (string?)e["name"] == "model_run").Skip(skipRuns).ToList();
        if (runs.Count == 0) throw new InvalidDataException($"{profilePath}: no model_run events after skipping {skipRuns}");
        var perRun = new List<double>();
        var fastest = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var run in runs)
        {
            double start = Ts(run), end = start + Dur(run) * 1e3;
            var inRun = nodes.Where(n => Ts(n) >= start && Ts(n) <= end).ToList();
            perRun.Add(inRun.Sum(Dur));
            foreach (var n in inRun)
            {
                var name = (string)n["name"]!;
                fastest[name] = Math.Min(fastest.GetValueOrDefault(name, double.MaxValue), Dur(n));
            }
        }
        return new Split(runs.Select(Dur).ToList(), Stats.Percentile(perRun, 50), fastest.Values.Sum());
    }
}
