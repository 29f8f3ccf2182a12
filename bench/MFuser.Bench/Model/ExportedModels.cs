using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;

namespace MFuser.Bench.Model;

/// <summary>MFuser packages exported with random weights (seeded, so reruns bench the same graph) into a scratch
/// folder under the system temp directory; an export is reused while its files exist. The folder is keyed by the
/// exporter build (MFuser.Onnx's module version id, stable for identical sources under deterministic builds), so a
/// changed exporter never benches graphs written by an older one.</summary>
public static class ExportedModels
{
    public const int Seed = 7;

    private static readonly string ExporterBuild =
        typeof(ModelPackageExporter).Assembly.ManifestModule.ModuleVersionId.ToString("N")[..8];

    public static IReadOnlyDictionary<ScanVariant, string> Export(MFuserConfig cfg, params ScanVariant[] variants)
    {
        var dir = Path.Combine(Path.GetTempPath(), "mfuser-bench", $"{cfg.Name}-{cfg.ImageHeight}x{cfg.ImageWidth}-seed{Seed}-{ExporterBuild}");
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
