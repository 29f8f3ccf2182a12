using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;

namespace MFuser.Bench.Model;

/// <summary>MFuser packages exported with random weights (seeded, so reruns bench the same graph) into a scratch
/// folder under the system temp directory; an export is reused while its files exist.</summary>
public static class ExportedModels
{
    public const int Seed = 7;

    public static IReadOnlyDictionary<ScanVariant, string> Export(MFuserConfig cfg, params ScanVariant[] variants)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mfuser-bench", $"{cfg.Name}-{cfg.ImageHeight}x{cfg.ImageWidth}-seed{Seed}");
        var paths = variants.ToDictionary(v => v, v => Path.Combine(dir, v.FileName()));
        if (paths.Values.All(File.Exists)) return paths;
        var result = ModelPackageExporter.Export(cfg, new RandomWeights(Seed), new ExportOptions
        {
            OutputDirectory = dir, ModelName = cfg.Name, Variants = variants, IncludeLogits = false,
            Provenance = $"random weights, seed {Seed} (mfuser-bench)",
        });
        return result.Models;
    }
}
