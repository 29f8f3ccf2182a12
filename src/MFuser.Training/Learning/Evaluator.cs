using System.Text;
using System.Text.Json;
using MFuser.Scenes;
using MFuser.Training.Model;
using static TorchSharp.torch;
using MFuser.ModelPackage.Classes;

namespace MFuser.Training.Learning;

/// <summary>mIoU of one domain: per-class IoU (NaN where the class never occurs in GT or prediction) and the mean.</summary>
public sealed record DomainResult(string Domain, double MeanIoU, double[] ClassIoU, long Pixels);

/// <summary>Evaluation of one model on held-out seeds over domains.</summary>
public sealed record EvalReport(string Model, int Frames, IReadOnlyList<DomainResult> Domains);

/// <summary>
/// Held-out evaluation: frames with seeds from <see cref="SceneData.HeldOutSeedBase"/>, rendered in every domain,
/// confusion matrix over the 19 train ids (255 ignored), mIoU over classes present (union &gt; 0).
/// </summary>
public static class Evaluator
{
    public static DomainResult Evaluate(MFuserModel model, SceneData data, Domain domain, int frames, int batchSize)
    {
        int k = model.Config.NumClasses;
        var confusion = new long[k * k];
        model.eval();
        using var _ = no_grad();
        for (int start = 0; start < frames; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var seeds = Enumerable.Range(start, Math.Min(batchSize, frames - start)).Select(i => SceneData.HeldOutSeedBase + i).ToArray();
            var (x, y) = data.Batch(seeds, domain);
            var pred = model.Predict(x).flatten();
            var gt = y.flatten();
            var valid = gt != 255;
            var idx = gt.masked_select(valid) * k + pred.masked_select(valid);
            var counts = idx.bincount(null, k * k).data<long>().ToArray();
            for (int i = 0; i < counts.Length; i++) confusion[i] += counts[i];
        }
        return FromConfusion(domain.Name(), confusion, k);
    }

    public static DomainResult FromConfusion(string domain, long[] confusion, int k)
    {
        var iou = new double[k];
        for (int c = 0; c < k; c++)
        {
            long tp = confusion[c * k + c], gtSum = 0, predSum = 0;
            for (int j = 0; j < k; j++) { gtSum += confusion[c * k + j]; predSum += confusion[j * k + c]; }
            long union = gtSum + predSum - tp;
            iou[c] = union == 0 ? double.NaN : (double)tp / union;
        }
        var present = iou.Where(v => !double.IsNaN(v)).ToArray();
        return new DomainResult(domain, present.Length == 0 ? double.NaN : present.Average(), iou, confusion.Sum());
    }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static string ToJson(IEnumerable<EvalReport> reports) => JsonSerializer.Serialize(reports, Json);

    /// <summary>Reads what <see cref="ToJson"/> wrote (<c>eval.json</c>); <paramref name="origin"/> names it in errors.</summary>
    /// <exception cref="FormatException">Not an eval.json.</exception>
    public static IReadOnlyList<EvalReport> FromJson(string json, string origin)
    {
        try
        {
            return JsonSerializer.Deserialize<List<EvalReport>>(json, Json)
                ?? throw new FormatException($"{origin}: expected a list of eval reports, found null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{origin}: not an eval.json written by 'mfuser-train eval': {e.Message}", e);
        }
    }

    /// <summary>Markdown: one table of mIoU (models × domains), then per-class IoU of each model on the source domain.</summary>
    public static string ToMarkdown(IReadOnlyList<EvalReport> reports)
    {
        var sb = new StringBuilder();
        var domains = reports[0].Domains.Select(d => d.Domain).ToList();
        sb.AppendLine($"| model | {string.Join(" | ", domains)} | mean (targets) |");
        sb.AppendLine($"|---|{string.Concat(domains.Select(_ => "---:|"))}---:|");
        foreach (var r in reports)
        {
            var targets = r.Domains.Where(d => d.Domain != Domains.Source.Name()).Select(d => d.MeanIoU).ToList();
            sb.AppendLine($"| {r.Model} | {string.Join(" | ", r.Domains.Select(d => Pct(d.MeanIoU)))} " +
                          $"| {Pct(targets.Count > 0 ? targets.Average() : double.NaN)} |");
        }
        sb.AppendLine();
        sb.AppendLine($"Per-class IoU on `{Domains.Source.Name()}` ({reports[0].Frames} held-out frames per domain):");
        sb.AppendLine();
        sb.AppendLine($"| class | {string.Join(" | ", reports.Select(r => r.Model))} |");
        sb.AppendLine($"|---|{string.Concat(reports.Select(_ => "---:|"))}");
        for (int c = 0; c < TrainIds.Count; c++)
        {
            var row = reports.Select(r => Pct(r.Domains.First(d => d.Domain == Domains.Source.Name()).ClassIoU[c]));
            sb.AppendLine($"| {TrainIds.Names[c]} | {string.Join(" | ", row)} |");
        }
        return sb.ToString();
    }

    private static string Pct(double v) => double.IsNaN(v) ? "–" : (100 * v).ToString("F1");
}
