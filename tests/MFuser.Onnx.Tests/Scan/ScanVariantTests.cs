using MFuser.Onnx.Contract;
using MFuser.Onnx.Proto;
using MFuser.Onnx.Scan;
using Microsoft.ML.OnnxRuntime;
using static MFuser.Onnx.Tests.Scan.ScanCases;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Tests.Scan;

/// <summary>Structure of the fused node and of its TensorRT rewrite (TensorRT itself cannot run here).</summary>
public class ScanVariantTests
{
    private static NodeProto ScanNode(ModelProto model) => Assert.Single(model.Graph.Node, n => n.OpType == ModelIo.ScanOpType);

    [Fact]
    public void Fused_node_follows_the_operator_contract()
    {
        var c = Random(1, 1, 4, 20, 8, 1, Optional.D | Optional.DeltaBias);
        var model = Model(ScanVariant.Fused, c, wantLastState: true);
        var node = ScanNode(model);

        Assert.Equal(ModelIo.ScanDomain, node.Domain);
        Assert.Equal(["u", "delta", "A", "B", "C", "D", "", "delta_bias"], node.Input.ToArray());  // z absent, trailing h0 omitted
        Assert.Equal(2, node.Output.Count);
        Assert.Equal(1, Assert.Single(node.Attribute, a => a.Name == "delta_softplus").I);
        Assert.Contains(model.OpsetImport, o => o.Domain == ModelIo.ScanDomain && o.Version == 1);
        Assert.DoesNotContain(model.Graph.Node, n => n.Domain == ModelIo.TrtPluginDomain);
        Assert.Equal(2, model.Graph.ValueInfo.Count(v => node.Output.Contains(v.Name)));
    }

    [Fact]
    public void Fused_node_is_refused_by_a_runtime_without_the_operator_library()
    {
        var model = Model(ScanVariant.Fused, Random(1, 1, 2, 4, 2, 1, Optional.None), wantLastState: false);
        var error = Assert.Throws<OnnxRuntimeException>(() => new InferenceSession(MFuser.Onnx.Graph.ModelFile.ToBytes(model)).Dispose());
        Assert.Contains("SelectiveScan", error.Message);
    }

    [Theory]
    [InlineData((int)Optional.None, 0L)]
    [InlineData((int)(Optional.D | Optional.DeltaBias), 5L)]
    [InlineData((int)Optional.All, 15L)]
    [InlineData((int)(Optional.Z | Optional.InitialState), 10L)]
    public void TensorRt_rewrite_compacts_optional_inputs_and_records_them_in_present_mask(int optional, long mask)
    {
        var c = Random(2, 1, 4, 20, 8, 1, (Optional)optional);
        var model = Model(ScanVariant.TensorRt, c, wantLastState: false);
        var node = ScanNode(model);

        Assert.Equal(ModelIo.TrtPluginDomain, node.Domain);
        Assert.DoesNotContain("", node.Input);
        Assert.Equal(5 + System.Numerics.BitOperations.PopCount((uint)mask), node.Input.Count);
        Assert.Equal(mask, node.Attribute.Single(a => a.Name == "present_mask").I);
        Assert.Equal("mfuser", node.Attribute.Single(a => a.Name == "plugin_namespace").S.ToStringUtf8());
        Assert.Equal("1", node.Attribute.Single(a => a.Name == "plugin_version").S.ToStringUtf8());
        Assert.Equal(2, node.Output.Count);  // TensorRT plugins keep every output
        foreach (var output in node.Output)
            Assert.Single(model.Graph.ValueInfo, v => v.Name == output && v.Type.TensorType.Shape.Dim.Count == 3);
        Assert.DoesNotContain(model.OpsetImport, o => o.Domain == ModelIo.ScanDomain);
    }

    [Fact]
    public void Portable_variant_uses_only_standard_ops()
    {
        var model = Model(ScanVariant.Portable, Random(3, 1, 4, 40, 8, 1, Optional.All), wantLastState: true);
        Assert.All(model.Graph.Node, n => Assert.Equal("", n.Domain));
        Assert.Equal([""], model.OpsetImport.Select(o => o.Domain).ToArray());
    }
}
