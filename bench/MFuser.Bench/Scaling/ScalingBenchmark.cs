using System.Text.Json.Nodes;
using MFuser.Bench.Model;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Onnx.Scan;
using Microsoft.ML.OnnxRuntime;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Bench.Scaling;

/// <summary>
/// <c>scaling</c>: the cost of the fusion stage (all MVFuser / attention-fusion modules, <c>backbone.adapter.*</c>)
/// against the fused token count, for the tiny architecture exported at several input sizes with Mamba fusion and
/// with the self-attention baseline. Each model runs whole on one thread with ORT profiling; the fusion time is the
/// sum over fusion nodes of each node's fastest kernel time across the timed runs (profiles are wall-clock, and on a
/// shared machine the minimum is the uncontended cost; the median run's sum is recorded too). Fits time = c·L^k by log-log least squares per kind and
/// reports the crossover. Target: Mamba k ≤ 1.1 while attention k ≥ 1.6.
/// </summary>
public static class ScalingBenchmark
{
    private const string FusionPrefix = "backbone.adapter.";

    public static JsonObject Run(bool quick)
    {
        (int H, int W)[] sizes = quick ? [(128, 256), (256, 512), (512, 1024)]
            : [(128, 256), (192, 384), (256, 512), (384, 768), (512, 1024), (640, 1280)];
        var runs = quick ? 3 : 6;
        var points = new JsonArray();
        var series = new Dictionary<string, (List<double> L, List<double> Ms)> { ["mamba"] = ([], []), ["attention"] = ([], []) };
        foreach (var (h, w) in sizes)
        {
            var baseCfg = MFuserPresets.Tiny() with { ImageHeight = h, ImageWidth = w };
            var tokens = baseCfg.StreamCount * baseCfg.TokensPerStream;
            var kinds = new (string Name, MFuserConfig Cfg)[] { ("mamba", baseCfg.Validate()),
                ("attention", MFuserPresets.WithBaseline(baseCfg, "attention")) };
            var profiled = kinds.Select(k => new ProfiledModel(k.Cfg)).ToArray();
            for (var r = 0; r < runs + 1; r++)
                foreach (var m in profiled) m.Run();
            foreach (var (kind, m) in kinds.Select(k => k.Name).Zip(profiled))
            {
                var split = m.Finish();
                var fusion = split.PrefixMsSumOfMinima;
                var total = Stats.Percentile(split.TotalMs.ToList(), 50);
                series[kind].L.Add(tokens);
                series[kind].Ms.Add(fusion);
                points.Add(new JsonObject
                {
                    ["fusion"] = kind, ["image"] = $"{w}x{h}", ["tokens"] = tokens, ["runs"] = split.TotalMs.Count,
                    ["fusion_ms"] = Stats.Round(fusion), ["fusion_ms_median_run"] = Stats.Round(split.PrefixMsMedianRun),
                    ["model_ms_median"] = Stats.Round(total, 2), ["load_average_1min"] = ResultFile.LoadAverage(),
                });
                Console.WriteLine($"scaling {kind,-9} L={tokens,5}: fusion {fusion,9:F3} ms (median run {split.PrefixMsMedianRun:F3}), " +
                                  $"model {total,9:F2} ms per frame (wall)");
            }
        }
        var fits = new JsonObject();
        var fitted = new Dictionary<string, (double K, double C)>();
        foreach (var (kind, (l, ms)) in series)
        {
            var (k, c, r2) = Stats.PowerLaw(l, ms);
            fitted[kind] = (k, c);
            fits[kind] = new JsonObject { ["exponent"] = Stats.Round(k), ["coefficient_ms"] = c, ["r_squared"] = Stats.Round(r2, 4) };
            Console.WriteLine($"scaling {kind}: time ∝ L^{k:F3} (r² {r2:F3})");
        }
        var (m1, a1) = (fitted["mamba"], fitted["attention"]);
        double? crossover = a1.K > m1.K ? Math.Pow(m1.C / a1.C, 1 / (a1.K - m1.K)) : null;
        var lengths = series["mamba"].L;
        var firstMeasured = Enumerable.Range(0, lengths.Count).FirstOrDefault(i => series["attention"].Ms[i] > series["mamba"].Ms[i], -1);
        return new JsonObject
        {
            ["model"] = "tiny architecture (width 64, 4 block pairs, fusion after each; random weights), 1 thread",
            ["threads"] = 1,
            ["points"] = points,
            ["fits"] = fits,
            ["crossover_tokens_fitted"] = crossover is { } x && double.IsFinite(x) ? Stats.Round(x, 0) : null,
            ["first_measured_tokens_attention_slower"] = firstMeasured >= 0 ? lengths[firstMeasured] : null,
            ["target_mamba_exponent_max"] = 1.1,
            ["target_attention_exponent_min"] = 1.6,
        };
    }

    /// <summary>A fused-variant session of one configuration with ORT profiling on, fed one black frame.</summary>
    private sealed class ProfiledModel
    {
        private readonly InferenceSession _session;
        private readonly OrtValue _image;

        public ProfiledModel(MFuserConfig cfg)
        {
            var path = ExportedModels.Export(cfg, ScanVariant.Fused)[ScanVariant.Fused];
            var prefix = Path.Combine(Path.GetDirectoryName(path)!, "profile");
            _session = OrtSessions.Create(path, threads: 1, customOps: true, profilePrefix: prefix);
            _image = OrtValue.CreateTensorValueFromMemory(new byte[cfg.ImageHeight * cfg.ImageWidth * 3], [1, cfg.ImageHeight, cfg.ImageWidth, 3]);
        }

        public void Run()
        {
            using var outputs = _session.Run(new RunOptions(), [ModelIo.Image], [_image], [ModelIo.Labels]);
        }

        /// <summary>Ends profiling and splits the runs after the first (the warm-up).</summary>
        public FusionProfile.Split Finish()
        {
            var file = _session.EndProfiling();
            _image.Dispose();
            _session.Dispose();
            try { return FusionProfile.Read(file, FusionPrefix, skipRuns: 1); }
            finally { File.Delete(file); }
        }
    }
}
