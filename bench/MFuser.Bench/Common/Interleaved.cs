using System.Diagnostics;

namespace MFuser.Bench;

/// <summary>Per-run wall-clock and thread-CPU times of one contender, in milliseconds.</summary>
public sealed class Samples(string name)
{
    public string Name { get; } = name;
    public List<double> WallMs { get; } = [];
    public List<double> CpuMs { get; } = [];

    public double WallMedian => Stats.Percentile(WallMs, 50);
    public double WallP95 => Stats.Percentile(WallMs, 95);
    public double CpuMedian => Stats.Percentile(CpuMs, 50);
    public double CpuP95 => Stats.Percentile(CpuMs, 95);
    public double CpuMin => CpuMs.Min();
}

/// <summary>
/// Side-by-side timing on a shared machine: contenders run in turn (A, B, C, A, B, C, …) so that load changes hit
/// them alike, after one untimed warm-up each. Each run is timed in wall-clock and in the calling thread's CPU time;
/// the CPU time excludes waiting for a core and is the fair figure for single-threaded work on a loaded box.
/// </summary>
public static class Interleaved
{
    public static Samples[] Run(int rounds, double maxSeconds, params (string Name, Action Op)[] contenders)
    {
        foreach (var (_, op) in contenders) op();
        var samples = contenders.Select(c => new Samples(c.Name)).ToArray();
        var budget = Stopwatch.StartNew();
        for (var r = 0; r < rounds && (r < 3 || budget.Elapsed.TotalSeconds < maxSeconds); r++)
            for (var k = 0; k < contenders.Length; k++)
            {
                var cpu = Runner.ThreadCpuSeconds();
                var watch = Stopwatch.StartNew();
                contenders[k].Op();
                watch.Stop();
                samples[k].CpuMs.Add((Runner.ThreadCpuSeconds() - cpu) * 1e3);
                samples[k].WallMs.Add(watch.Elapsed.TotalMilliseconds);
            }
        return samples;
    }
}

/// <summary>Order statistics and fits used by the benchmarks.</summary>
public static class Stats
{
    /// <summary>Linear-interpolated percentile (0–100) of the values.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double p)
    {
        if (values.Count == 0) return double.NaN;
        var v = values.Order().ToArray();
        var pos = p / 100 * (v.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(lo + 1, v.Length - 1);
        return v[lo] + (v[hi] - v[lo]) * (pos - lo);
    }

    /// <summary>Least-squares fit of log(y) = log(c) + k·log(x): returns (k, c, r²).</summary>
    public static (double Exponent, double Coefficient, double RSquared) PowerLaw(IReadOnlyList<double> x, IReadOnlyList<double> y)
    {
        if (x.Count != y.Count || x.Count < 2) throw new ArgumentException($"power-law fit needs ≥ 2 paired points, got {x.Count} and {y.Count}");
        var lx = x.Select(v => Math.Log(v)).ToArray();
        var ly = y.Select(v => Math.Log(v)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < lx.Length; i++)
        {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
            syy += (ly[i] - my) * (ly[i] - my);
        }
        var k = sxy / sxx;
        var r2 = syy == 0 ? 1 : sxy * sxy / (sxx * syy);
        return (k, Math.Exp(my - k * mx), r2);
    }

    public static double Round(double v, int digits = 3) =>
        double.IsFinite(v) ? Math.Round(v, digits) : v;
}
