using System.Diagnostics;
using System.Security.Cryptography;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using MFuser.Onnx.Proto;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Export;

/// <summary>What to export and where.</summary>
public sealed record ExportOptions
{
    public required string OutputDirectory { get; init; }
    public required string ModelName { get; init; }
    public string Version { get; init; } = "0.1.0";
    public bool IncludeLogits { get; init; } = true;
    /// <summary>Variants to write; all three by default.</summary>
    public IReadOnlyList<ScanVariant> Variants { get; init; } = [ScanVariant.Fused, ScanVariant.TensorRt, ScanVariant.Portable];
    /// <summary>Weights of at least this many bytes in total stay in the shared external file <see cref="WeightsFile"/>
    /// (named with its SHA-256 in the manifest's <c>onnx.external_data</c>); 0 always shares them, which keeps a
    /// three-variant package at one copy of the weights.</summary>
    public long ExternalDataThresholdBytes { get; init; } = DefaultExternalDataThresholdBytes;

    /// <summary>1 GiB: well inside protobuf's 2 GiB message limit for the inlined graphs.</summary>
    public const long DefaultExternalDataThresholdBytes = 1L << 30;
    /// <summary>Where the weights came from, for the manifest (e.g. "checkpoint runs/tiny/final.safetensors").</summary>
    public required string Provenance { get; init; }
    public Action<string>? Progress { get; init; }

    public const string WeightsFile = "model.weights";
}

/// <summary>Files written by one export.</summary>
public sealed record ExportResult(IReadOnlyDictionary<ScanVariant, string> Models, string Manifest, string? ExternalWeights,
    long WeightBytes, IReadOnlyDictionary<string, string> Sha256);

/// <summary>
/// Writes a model package: <c>model.onnx</c> (fused scan), <c>model.trt.onnx</c> (TensorRT plugin node),
/// <c>model.portable.onnx</c> (standard ops), the <c>model.json</c> manifest skeleton and <c>SHA256SUMS</c>. Weights are
/// streamed to one external data file shared by the variants (bounded memory for any size); when they total less
/// than <see cref="ExportOptions.ExternalDataThresholdBytes"/> they are folded back into each model file.
/// </summary>
public static class ModelPackageExporter
{
    public static ExportResult Export(MFuserConfig cfg, IWeightSource weights, ExportOptions options)
    {
        cfg.Validate();
        var clock = Stopwatch.StartNew();
        void Say(string message) => options.Progress?.Invoke($"[{clock.Elapsed.TotalSeconds,6:F1}s] {message}");
        Directory.CreateDirectory(options.OutputDirectory);
        var dataPath = Path.Combine(options.OutputDirectory, ExportOptions.WeightsFile);
        var models = new Dictionary<ScanVariant, ModelProto>();
        long weightBytes;
        using (var store = new ExternalInitializerStore(dataPath))
        {
            foreach (var variant in options.Variants)
            {
                Say($"writing {variant.FileName()} ({variant})");
                var graph = MFuserGraphWriter.Write(cfg, weights, variant, options.IncludeLogits, store, m => Say($"  {m}"));
                models[variant] = graph.ToModel(Metadata(cfg, options, variant));
            }
            weightBytes = store.BytesWritten;
        }
        if (weights is CheckpointWeights { UnusedKeys: { Count: > 0 } unused })
            Say($"checkpoint tensors not used by the graph ({unused.Count}): {string.Join(", ", unused.Take(8))}{(unused.Count > 8 ? ", ..." : "")}");
        var external = weightBytes >= options.ExternalDataThresholdBytes;
        if (!external)
        {
            foreach (var model in models.Values) ExternalData.Inline(model, options.OutputDirectory);
            File.Delete(dataPath);
        }
        var paths = new Dictionary<ScanVariant, string>();
        foreach (var (variant, model) in models)
        {
            var path = Path.Combine(options.OutputDirectory, variant.FileName());
            ModelFile.Save(model, path);
            paths[variant] = path;
            Say($"saved {Path.GetFileName(path)} ({new FileInfo(path).Length / 1e6:F1} MB)");
        }

        var files = paths.Values.Concat(external ? [dataPath] : []).ToList();
        var sums = files.ToDictionary(Path.GetFileName, f => Sha256Of(f)!, StringComparer.Ordinal);
        var primary = options.Variants.Contains(ScanVariant.Fused) ? ScanVariant.Fused : options.Variants[0];
        var manifest = PackageManifest.Create(cfg, options.ModelName, options.Version, primary.FileName(), sums[primary.FileName()],
            options.IncludeLogits, usesCustomOp: primary == ScanVariant.Fused, options.Provenance,
            externalWeights: external ? new ExternalWeights(ExportOptions.WeightsFile, sums[ExportOptions.WeightsFile]) : null);
        var manifestPath = Path.Combine(options.OutputDirectory, ModelManifest.FileName);
        ManifestWriter.WritePackage(options.OutputDirectory, manifest);
        File.WriteAllLines(Path.Combine(options.OutputDirectory, "SHA256SUMS"),
            sums.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value}  {kv.Key}"));
        Say($"package complete: {weightBytes / 1e6:F1} MB of weights{(external ? $" in {ExportOptions.WeightsFile}" : " inline")}");
        return new ExportResult(paths, manifestPath, external ? dataPath : null, weightBytes, sums);
    }

    private static Dictionary<string, string> Metadata(MFuserConfig cfg, ExportOptions options, ScanVariant variant) => new()
    {
        ["mfuser.name"] = options.ModelName,
        ["mfuser.version"] = options.Version,
        ["mfuser.scan_variant"] = variant.ToString(),
        ["mfuser.config"] = cfg.ToJson(),
        ["mfuser.provenance"] = options.Provenance,
    };

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
