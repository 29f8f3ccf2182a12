using System.Text.Json;

namespace MFuser.Training.Learning;

/// <summary>Draws metrics.jsonl as a loss-curve PNG (total and per-term losses, log y axis) with ScottPlot.</summary>
public static class LossCurve
{
    public static void Write(string metricsJsonl, string pngPath)
    {
        var rows = File.ReadLines(metricsJsonl).Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<StepMetrics>(l, Trainer.JsonOptions)!).OrderBy(r => r.Step).ToList();
        if (rows.Count == 0) return;
        var plot = new ScottPlot.Plot();
        double[] steps = rows.Select(r => (double)r.Step).ToArray();
        void Line(string label, Func<StepMetrics, double> value)
        {
            var s = plot.Add.ScatterLine(steps, rows.Select(r => Math.Log10(Math.Max(1e-6, value(r)))).ToArray());
            s.LegendText = label;
        }
        Line("total", r => r.Loss);
        Line("class (x2)", r => r.ClassLoss);
        Line("mask BCE (x5)", r => r.MaskLoss);
        Line("dice (x5)", r => r.DiceLoss);
        Line("identity", r => r.IdentityLoss);
        plot.Title("MFuser training loss");
        plot.XLabel("step");
        plot.YLabel("log10 loss");
        plot.ShowLegend();
        plot.SavePng(pngPath, 1000, 560);
    }
}
