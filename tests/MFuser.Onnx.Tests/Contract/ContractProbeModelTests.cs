using MFuser.Onnx.Contract;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Proto;
using MFuser.Onnx.Scan;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Contract;

public class ContractProbeModelTests
{
    private static Dictionary<string, object> Run(ModelProto model, int h, int w, string? library = null)
    {
        using var options = new SessionOptions();
        if (library is not null) options.RegisterCustomOpLibrary(library);
        using var session = new InferenceSession(ModelFile.ToBytes(model), options);
        var image = new byte[h * w * 3];
        new Random(2).NextBytes(image);
        using var results = session.Run([OrtRunner.Input(ModelIo.Image, image, 1, h, w, 3)]);
        return results.ToDictionary(r => r.Name, r => r.Value switch
        {
            Tensor<byte> b => (object)b.Clone(),
            Tensor<float> f => f.Clone(),
            var v => throw new InvalidOperationException($"{r.Name}: {v?.GetType()}"),
        });
    }

    [Fact]
    public void Probe_model_has_the_contract_signature()
    {
        var outputs = Run(ContractProbeModel.Build(48, 64, classes: 5, embeddingDim: 8), 48, 64);
        Assert.Equal([1, 48, 64], ((Tensor<byte>)outputs[ModelIo.Labels]).Dimensions.ToArray());
        Assert.Equal([1, 48, 64], ((Tensor<byte>)outputs[ModelIo.Confidence]).Dimensions.ToArray());
        Assert.Equal([1, 8], ((Tensor<float>)outputs[ModelIo.Embedding]).Dimensions.ToArray());
        Assert.Equal([1, 5, 12, 16], ((Tensor<float>)outputs[ModelIo.Logits]).Dimensions.ToArray());
        Assert.All(((Tensor<byte>)outputs[ModelIo.Labels]).ToArray(), l => Assert.InRange(l, 0, 4));
    }

    [Fact]
    public void Probe_model_with_a_fused_scan_matches_its_portable_twin()
    {
        var fused = Run(ContractProbeModel.Build(32, 32, scan: ScanVariant.Fused), 32, 32, NativeOps.LibraryPath());
        var portable = Run(ContractProbeModel.Build(32, 32, scan: ScanVariant.Portable), 32, 32);
        var a = ((Tensor<float>)fused[ModelIo.Logits]).ToArray();
        var b = ((Tensor<float>)portable[ModelIo.Logits]).ToArray();
        Assert.True(a.Zip(b, (x, y) => Math.Abs(x - y)).Max() <= 1e-4);
        Assert.Contains(ContractProbeModel.Build(32, 32, scan: ScanVariant.Fused).OpsetImport, o => o.Domain == ModelIo.ScanDomain);
    }
}
