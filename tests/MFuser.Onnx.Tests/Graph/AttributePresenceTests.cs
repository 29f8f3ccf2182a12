using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Proto;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Onnx.Tests.Graph;

/// <summary>
/// Every INT and FLOAT attribute must carry its value field on the wire, zeros included: OpenCV DNN refuses
/// `axis` on a Concat written as type = INT with no value ("unsupported attribute format"), which is what a proto3
/// writer produces for axis = 0. Checked with <see cref="AttributeWireScan"/>, a raw wire reader, not the writer's
/// own classes.
/// </summary>
public class AttributePresenceTests
{
    private static List<AttributeWireScan.Attribute> MissingValues(IEnumerable<AttributeWireScan.Attribute> attributes) =>
        attributes.Where(a => (a.Type == AttributeWireScan.TypeInt && a.Int is null)
                              || (a.Type == AttributeWireScan.TypeFloat && a.Float is null)).ToList();

    private static void AssertEveryValuePresent(IReadOnlyCollection<AttributeWireScan.Attribute> attributes)
    {
        var missing = MissingValues(attributes);
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {attributes.Count} attributes have no value field: {string.Join("; ", missing.Take(5))}");
    }

    [Fact]
    public void Zero_valued_int_and_float_attributes_are_written_and_read_as_zero()
    {
        var g = new GraphBuilder("zeros");
        var a = g.Input("a", ElementType.Float, 1, 2);
        var b = g.Input("b", ElementType.Float, 1, 2);
        var rows = g.Concat(0, a, b);                                   // axis = 0 → [2, 2]
        var gemm = g.Gemm(rows, g.Constant<float>([1, 0, 0, 1], 2, 2));  // transB = 0
        var sum = g.ReduceSum(gemm, [1], keepDims: false);              // keepdims = 0 → [2]
        var relu = g.Node("LeakyRelu", [sum], attributes: Attr.Float("alpha", 0f));
        g.Output(relu, "y", 2);
        g.Output(g.ArgMax(rows, axis: 0, keepDims: false), "arg", 2);
        var bytes = ModelFile.ToBytes(g.ToModel());

        var attributes = AttributeWireScan.Scan(bytes);
        AssertEveryValuePresent(attributes);
        Assert.Equal(0L, Assert.Single(attributes, x => x.OpType == "Concat" && x.Name == "axis").Int);
        Assert.Equal(0L, Assert.Single(attributes, x => x.OpType == "Gemm" && x.Name == "transB").Int);
        Assert.Equal(0L, Assert.Single(attributes, x => x.OpType == "ReduceSum" && x.Name == "keepdims").Int);
        Assert.Equal(0f, Assert.Single(attributes, x => x.OpType == "LeakyRelu" && x.Name == "alpha").Float);

        // the same bytes mean what they say to ONNX Runtime: rows stacked, row sums with negatives zeroed, argmax down columns
        NamedOnnxValue[] inputs = [OrtRunner.Input("a", new float[] { 1, 2 }, 1, 2), OrtRunner.Input("b", new float[] { 5, -9 }, 1, 2)];
        Assert.Equal(new[] { 3f, 0f }, OrtRunner.Run<float>(bytes, null, inputs)["y"].ToArray());
        Assert.Equal(new[] { 1L, 0L }, OrtRunner.Run<long>(bytes, null, inputs)["arg"].ToArray());
    }

    [Fact]
    public void The_scan_reports_an_int_attribute_written_without_its_value()
    {
        // what a proto3 writer emits for axis = 0: the type, and no `i` field
        var g = new GraphBuilder("absent");
        var a = g.Input("a", ElementType.Float, 1, 2);
        g.Output(g.Node("Concat", [a, a],
            attributes: new AttributeProto { Name = "axis", Type = AttributeProto.Types.AttributeType.Int }), "y", 2, 2);

        var attribute = Assert.Single(AttributeWireScan.Scan(ModelFile.ToBytes(g.ToModel())));
        Assert.Null(attribute.Int);
        Assert.DoesNotContain(AttributeWireScan.FieldI, attribute.Fields);
        Assert.Single(MissingValues([attribute]));
    }

    [Theory]
    [InlineData(ScanVariant.Portable)]
    [InlineData(ScanVariant.Fused)]
    [InlineData(ScanVariant.TensorRt)]
    public void Exported_tiny_graphs_carry_every_int_and_float_attribute_value(ScanVariant variant)
    {
        var bytes = ModelFile.ToBytes(MFuserGraphWriter.Write(MFuserPresets.Tiny(), new RandomWeights(1), variant).ToModel());

        var attributes = AttributeWireScan.Scan(bytes);
        AssertEveryValuePresent(attributes);
        // not vacuous: the graph has zero-valued ints (the CLS/patch Concat's axis = 0, keepdims = 0, ...)
        Assert.Contains(attributes, x => x.Type == AttributeWireScan.TypeInt && x.Int == 0);
    }
}
