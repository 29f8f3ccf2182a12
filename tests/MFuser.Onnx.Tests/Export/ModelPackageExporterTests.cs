using System.Text.Json.Nodes;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using Microsoft.ML.OnnxRuntime;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Export;

/// <summary>Package export: three variants, manifest, checksums, safetensors checkpoints, external data.</summary>
public sealed class ModelPackageExporterTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-export").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Checkpoint_export_writes_three_variants_a_manifest_and_checksums_and_matches_the_weights_it_was_given()
    {
        var cfg = MFuserPresets.Tiny();
        // Record random weights, save them as a safetensors checkpoint, export from the checkpoint.
        var random = new RandomWeights(7) { Record = true };
        var reference = MFuserGraphWriter.Write(cfg, random, ScanVariant.Portable).ToModel();
        var checkpoint = Path.Combine(_dir, "tiny.safetensors");
        var tensors = new Dictionary<string, (float[], long[])>(random.Recorded) { ["backbone.fpn1.1.num_batches_tracked"] = ([3], []) };
        SafetensorsWriter.Write(checkpoint, tensors, new Dictionary<string, string> { ["preset"] = "tiny" });

        using var file = new SafetensorsFile(checkpoint);
        var lines = new List<string>();
        var result = ModelPackageExporter.Export(cfg, new CheckpointWeights(file), new ExportOptions
        {
            OutputDirectory = Path.Combine(_dir, "pkg"), ModelName = "mfuser-tiny-test", Provenance = "test checkpoint", Progress = lines.Add,
        });

        Assert.Equal(["model.onnx", "model.trt.onnx", "model.portable.onnx"],
            result.Models.OrderBy(kv => kv.Key).Select(kv => Path.GetFileName(kv.Value)).ToArray());
        Assert.Null(result.ExternalWeights);  // small model: weights folded back into each file
        Assert.False(File.Exists(Path.Combine(_dir, "pkg", ExportOptions.WeightsFile)));

        var image = MFuserGraphTests.Image(cfg, 9);
        var fromCheckpoint = MFuserGraphTests.Run(File.ReadAllBytes(result.Models[ScanVariant.Portable]), cfg, image);
        var fromMemory = MFuserGraphTests.Run(MFuser.Onnx.Graph.ModelFile.ToBytes(reference), cfg, image);
        Assert.Equal(fromMemory.Logits, fromCheckpoint.Logits);

        var manifest = JsonNode.Parse(File.ReadAllText(result.Manifest))!.AsObject();
        Assert.Equal(1, (int)manifest["format_version"]!);
        Assert.Equal("model.onnx", (string)manifest["onnx"]!["file"]!);
        Assert.Equal(result.Sha256["model.onnx"], (string)manifest["onnx"]!["sha256"]!);
        Assert.Equal("com.mfuser", (string)manifest["custom_op"]!["domain"]!);
        Assert.Equal([1, cfg.ImageHeight, cfg.ImageWidth, 3], manifest["input"]!["shape"]!.AsArray().Select(d => (int)d!).ToArray());
        Assert.Equal(19, manifest["classes"]!.AsArray().Count);
        Assert.Equal(cfg.EmbedDim, (int)manifest["embedding_dim"]!);
        var sums = File.ReadAllLines(Path.Combine(_dir, "pkg", "SHA256SUMS"));
        Assert.Equal(3, sums.Length);
        Assert.Contains(sums, l => l == $"{result.Sha256["model.trt.onnx"]}  model.trt.onnx");
        Assert.Contains(lines, l => l.Contains("writing model.portable.onnx"));
        Assert.Contains(lines, l => l.Contains("not used by the graph (1): backbone.fpn1.1.num_batches_tracked"));

        using var session = new InferenceSession(result.Models[ScanVariant.Portable]);
        Assert.Equal("Portable", session.ModelMetadata.CustomMetadataMap["mfuser.scan_variant"]);
        Assert.Equal(cfg, MFuserConfig.FromJson(session.ModelMetadata.CustomMetadataMap["mfuser.config"]) with
        {
            PyramidLayers = cfg.PyramidLayers, PixelMean = cfg.PixelMean, PixelStd = cfg.PixelStd,
            VfmPixelMean = cfg.VfmPixelMean, VfmPixelStd = cfg.VfmPixelStd,
        });
    }

    [Fact]
    public void Large_weights_stay_in_one_external_file_shared_by_the_variants()
    {
        var cfg = MFuserPresets.Tiny();
        var result = ModelPackageExporter.Export(cfg, new RandomWeights(3), new ExportOptions
        {
            OutputDirectory = _dir, ModelName = "ext", Provenance = "random", ExternalDataThresholdBytes = 1,
            Variants = [ScanVariant.Portable, ScanVariant.TensorRt],
        });

        Assert.NotNull(result.ExternalWeights);
        var weightsSize = new FileInfo(result.ExternalWeights!).Length;
        Assert.True(new FileInfo(result.Models[ScanVariant.Portable]).Length < weightsSize / 4, "model file should hold the graph, not the weights");
        var manifest = JsonNode.Parse(File.ReadAllText(result.Manifest))!;
        Assert.Equal("model.portable.onnx", (string)manifest["onnx"]!["file"]!);  // no fused variant: the portable one is primary
        Assert.Null(manifest["custom_op"]);
        Assert.Contains($"  {ExportOptions.WeightsFile}", string.Join("\n", File.ReadAllLines(Path.Combine(_dir, "SHA256SUMS"))));
        var o = MFuserGraphTests.RunFile(result.Models[ScanVariant.Portable], cfg, MFuserGraphTests.Image(cfg, 1));
        Assert.All(o.Logits, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void Checkpoint_with_a_wrong_shape_or_missing_key_is_refused_with_the_key_named()
    {
        var path = Path.Combine(_dir, "bad.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, (float[], long[])> { ["gamma"] = (new float[3], [3]) });
        using var file = new SafetensorsFile(path);
        var weights = new CheckpointWeights(file);
        var shape = Assert.Throws<InvalidDataException>(() => weights.Read("gamma", [64], WeightInit.Ones));
        Assert.Contains("'gamma'", shape.Message);
        Assert.Contains("[3]", shape.Message);
        Assert.Contains("[64]", shape.Message);
        var missing = Assert.Throws<KeyNotFoundException>(() => weights.Read("backbone.head.weight", [64, 64], WeightInit.Ones));
        Assert.Contains("backbone.head.weight", missing.Message);
    }
}
