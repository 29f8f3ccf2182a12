using System.Diagnostics;
using System.Text.Json.Nodes;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Scan;

namespace MFuser.Bench.Scan;

/// <summary>
/// <c>scan</c>: the selective scan on the shapes MFuser runs (the MVFuser scan of tiny, small and paper-l), one
/// thread, interleaved: the fused custom op through ORT vs the portable standard-op scan through ORT vs the scalar
/// reference in fp32 and fp64 — ns per (token·channel) of thread CPU time, their ratios and each output's error
/// against fp64. The exp bound, the kernel called directly and the denormal stress case come from
/// <c>scan_bench</c> (native/selective_scan/bench), run in the same suite step: the bound is its bare vectorised
/// exp2 loop, scaled to each shape's N. Targets: fused ≥ 30× portable; fused ≤ 2× the exp bound.
/// </summary>
public static class ScanBenchmark
{
    public static JsonObject Run(bool quick)
    {
        string[] presets = quick ? ["tiny", "paper-l"] : ["tiny", "small", "paper-l"];
        var kernel = RunScanBench(quick);
        var perExp = kernel?["exp_ns_per_exp"]?.GetValue<double>();
        var rows = new JsonArray();
        foreach (var preset in presets)
        {
            var shape = ScanShape.FusionOf(MFuserPresets.Get(preset));
            rows.Add(Measure(shape, quick, perExp));
        }
        return new JsonObject
        {
            ["unit"] = "ns per (token x channel), thread CPU time, median of interleaved runs, 1 thread",
            ["load_average_1min"] = ResultFile.LoadAverage(),
            ["shapes"] = rows,
            ["scan_bench"] = kernel,
            ["target_fused_over_portable"] = 30,
            ["target_fused_over_exp_bound_max"] = 2,
        };
    }

    private static JsonObject Measure(ScanShape shape, bool quick, double? expPerElement)
    {
        var p = new ScanProblem(shape);
        Console.WriteLine($"scan {shape.Name}: D={shape.D} N={shape.N} L={shape.L}");
        using var fused = new ScanModel(p, ScanVariant.Fused, threads: 1);
        using var portable = new ScanModel(p, ScanVariant.Portable, threads: 1);
        var ref64 = new double[shape.TokenChannels];
        var ref32 = new float[shape.TokenChannels];
        var s64 = new double[shape.N];
        var s32 = new float[shape.N];
        var big = shape.TokenChannels * shape.N > 5_000_000;
        var rounds = quick ? (big ? 3 : 10) : (big ? 5 : 30);
        var samples = Interleaved.Run(rounds, maxSeconds: quick ? 20 : 60,
            ("fused_ort", fused.Run), ("portable_ort", portable.Run),
            ("reference_fp32", () => p.Reference(ref32, s32)), ("reference_fp64", () => p.Reference(ref64, s64)));
        var ns = samples.ToDictionary(s => s.Name, s => s.CpuMedian * 1e6 / shape.TokenChannels);
        var row = new JsonObject
        {
            ["preset"] = shape.Name, ["D"] = shape.D, ["N"] = shape.N, ["L"] = shape.L, ["G"] = 1, ["runs"] = samples[0].CpuMs.Count,
            ["load_average_1min"] = ResultFile.LoadAverage(),
        };
        foreach (var s in samples)
        {
            row[$"{s.Name}_ns"] = Stats.Round(ns[s.Name]);
            row[$"{s.Name}_wall_ms_median"] = Stats.Round(s.WallMedian);
        }
        row["portable_over_fused"] = Stats.Round(ns["portable_ort"] / ns["fused_ort"], 2);
        row["fp32_reference_over_fused"] = Stats.Round(ns["reference_fp32"] / ns["fused_ort"], 2);
        row["fp64_reference_over_fused"] = Stats.Round(ns["reference_fp64"] / ns["fused_ort"], 2);
        var (errFused, errPortable) = (ScanProblem.RelativeError(fused.Y, ref64), ScanProblem.RelativeError(portable.Y, ref64));
        row["error_fused"] = errFused;
        row["error_portable"] = errPortable;
        row["error_reference_fp32"] = ScanProblem.RelativeError(ref32, ref64);
        if (expPerElement is { } e)
        {
            row["exp_bound_ns"] = Stats.Round(e * shape.N);
            row["fused_over_exp_bound"] = Stats.Round(ns["fused_ort"] / (e * shape.N), 2);
        }
        Console.WriteLine($"  fused {ns["fused_ort"]:F2} ns, portable {ns["portable_ort"]:F2} ns ({row["portable_over_fused"]}x), " +
            $"fp32 ref {ns["reference_fp32"]:F2}, fp64 ref {ns["reference_fp64"]:F2}; errors vs fp64: fused {errFused:E1}, " +
            $"portable {errPortable:E1}");
        return row;
    }

    /// <summary>Runs native/selective_scan/build/scan_bench --quick --threads 1 (its kernel, oracle and exp-bound
    /// rows plus the denormal case); null (with a message) when it has not been built.</summary>
    private static JsonObject? RunScanBench(bool quick)
    {
        var exe = Path.Combine(Repository.Root, "native", "selective_scan", "build", "scan_bench");
        if (!File.Exists(exe))
        {
            Console.Error.WriteLine($"scan: {exe} not found (./build.sh native); the exp bound and denormal case are left out");
            return null;
        }
        var json = Path.GetTempFileName();
        try
        {
            var args = quick ? "--quick --threads 1 --isa avx512 --isa avx2" : "--quick --threads 1";
            var psi = new ProcessStartInfo(exe, $"{args} --json {json}") { RedirectStandardOutput = true };
            using var process = Process.Start(psi)!;
            Console.Write(process.StandardOutput.ReadToEnd());
            process.WaitForExit();
            if (process.ExitCode != 0) throw new InvalidOperationException($"{exe} exited with {process.ExitCode}");
            var result = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
            var best = result["rows"]!.AsArray().First(r => r!["io"]!.GetValue<string>() == "f32")!;
            // scan_bench's shapes have N = 16: its exp bound is 16 exp2 evaluations per (token x channel).
            result["exp_ns_per_exp"] = Stats.Round(best["exp_bound"]!.GetValue<double>() / best["N"]!.GetValue<double>(), 4);
            result["kernel_isa"] = best["isa"]!.GetValue<string>();
            result["kernel_fused_over_exp_bound"] = Stats.Round(best["fused_1thread"]!.GetValue<double>() / best["exp_bound"]!.GetValue<double>(), 2);
            return result;
        }
        finally { File.Delete(json); }
    }
}
