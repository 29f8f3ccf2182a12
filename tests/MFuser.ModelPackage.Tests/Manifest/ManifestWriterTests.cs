using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.TestSupport;

namespace MFuser.ModelPackage.Tests.Manifest;

/// <summary>The writer and the reader of <c>model.json</c> agree: what the exporter writes is what the daemon reads.</summary>
public sealed class ManifestWriterTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static ModelManifest Sample(ExternalWeights? weights, CustomOpRequirement? op, string? stats) => new(
        "pkg", "1.2.3", "model.onnx", new string('a', 64), new InputSpec(ModelIo.Image, 256, 512),
        [.. ModelManifest.RequiredOutputs, ModelIo.Logits], 64, Cityscapes.Classes, op, "MFuser 'tiny'",
        new TrainingInfo("unit test", new Dictionary<string, double> { ["clear"] = 0.371, ["night"] = 0.008 }), stats, weights);

    [Theory]
    [InlineData(true, true, "domain_reference.json")]
    [InlineData(false, false, null)]
    public void A_written_manifest_reads_back_field_for_field(bool external, bool customOp, string? stats)
    {
        var written = Sample(external ? new ExternalWeights("model.weights", new string('b', 64)) : null,
            customOp ? new CustomOpRequirement(ModelIo.ScanLibrary, ModelIo.ScanDomain, 1) : null, stats);
        ManifestWriter.WritePackage(_dir.Path, written);
        var read = ManifestReader.ReadPackage(_dir.Path);
        Assert.Equal(written.Name, read.Name);
        Assert.Equal(written.Input, read.Input);
        Assert.Equal(written.Outputs, read.Outputs);
        Assert.Equal(written.Classes, read.Classes);
        Assert.Equal(written.CustomOp, read.CustomOp);
        Assert.Equal(written.Weights, read.Weights);
        Assert.Equal(written.DomainStatistics, read.DomainStatistics);
        Assert.Equal(written.Training.MIoU, read.Training.MIoU);
        Assert.True(read.HasLogits);
    }

    [Fact]
    public void The_class_table_is_cityscapes_train_ids_in_order_with_only_road_drivable()
    {
        Assert.Equal(TrainIds.Count, Cityscapes.Classes.Count);
        Assert.Equal(Enumerable.Range(0, TrainIds.Count), Cityscapes.Classes.Select(c => c.Id));
        Assert.Equal(["road"], Cityscapes.Classes.Where(c => c.Drivable).Select(c => c.Name));
        Assert.Equal("traffic sign", TrainIds.Names[TrainIds.TrafficSign]);
        Assert.Equal(new Rgb(0, 0, 142), Cityscapes.Classes[TrainIds.Car].Color);
    }

    public void Dispose() => _dir.Dispose();
}
