using ScottPlot;

namespace MFuser.Bench.Report;

/// <summary>The PNG figures of docs/performance.md (ScottPlot). Logarithmic axes plot log10 of the data with
/// ticks labelled in the data's units.</summary>
public static class Plots
{
    private const int Width = 900, Height = 480;

    /// <summary>Grouped bars on a log axis: one group per category, one bar per series.</summary>
    public static void GroupedLogBars(string path, string title, string yLabel, string[] categories,
        IReadOnlyList<(string Name, double?[] Values)> series)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        var groupWidth = series.Count + 1;
        for (var s = 0; s < series.Count; s++)
        {
            var bars = new List<Bar>();
            for (var c = 0; c < categories.Length; c++)
                if (series[s].Values[c] is { } v && v > 0)
                    bars.Add(new Bar
                    {
                        Position = c * groupWidth + s, Value = Math.Log10(v), ValueBase = LogFloor(series), FillColor = palette.GetColor(s),
                    });
            var plottable = plt.Add.Bars(bars);
            plottable.LegendText = series[s].Name;
        }
        plt.Axes.Bottom.SetTicks(categories.Select((_, c) => c * groupWidth + (series.Count - 1) / 2.0).ToArray(), categories);
        LogTicks(plt.Axes.Left);
        plt.Title(title);
        plt.YLabel(yLabel);
        plt.ShowLegend(Alignment.UpperLeft);
        plt.SavePng(path, Width, Height);
    }

    /// <summary>Log-log scatter of measured points with the fitted power law per series.</summary>
    public static void LogLogFits(string path, string title, string xLabel, string yLabel,
        IReadOnlyList<(string Name, double[] X, double[] Y, double Exponent, double Coefficient)> series)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        for (var s = 0; s < series.Count; s++)
        {
            var (name, x, y, k, c) = series[s];
            var points = plt.Add.ScatterPoints(x.Select(Math.Log10).ToArray(), y.Select(Math.Log10).ToArray(), palette.GetColor(s));
            points.MarkerSize = 9;
            points.LegendText = $"{name} (measured)";
            double x0 = x.Min(), x1 = x.Max();
            var line = plt.Add.Line(Math.Log10(x0), Math.Log10(c * Math.Pow(x0, k)), Math.Log10(x1), Math.Log10(c * Math.Pow(x1, k)));
            line.Color = palette.GetColor(s);
            line.LegendText = $"{name} fit: ∝ L^{k:F2}";
        }
        LogTicks(plt.Axes.Left);
        LogTicks(plt.Axes.Bottom);
        plt.Title(title);
        plt.XLabel(xLabel);
        plt.YLabel(yLabel);
        plt.ShowLegend(Alignment.UpperLeft);
        plt.SavePng(path, Width, Height);
    }

    /// <summary>Simple bars (linear axis) with one label per bar.</summary>
    public static void Bars(string path, string title, string yLabel, string[] labels, double[] values)
    {
        var plt = new Plot();
        var palette = new ScottPlot.Palettes.Category10();
        plt.Add.Bars(values.Select((v, i) => new Bar { Position = i, Value = v, FillColor = palette.GetColor(i) }).ToList());
        plt.Axes.Bottom.SetTicks(labels.Select((_, i) => (double)i).ToArray(), labels);
        plt.Axes.Margins(bottom: 0);
        plt.Title(title);
        plt.YLabel(yLabel);
        plt.SavePng(path, Width, Height);
    }

    private static double LogFloor(IReadOnlyList<(string Name, double?[] Values)> series) =>
        Math.Floor(Math.Log10(series.SelectMany(s => s.Values).Where(v => v > 0).Min()!.Value));

    private static void LogTicks(IAxis axis)
    {
        axis.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = v => Math.Pow(10, v).ToString("G4", System.Globalization.CultureInfo.InvariantCulture),
        };
    }
}
