using MFuser.Onnx.Architecture;
using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;
using OpenCvSharp;
using OpenCvSharp.Dnn;

namespace MFuser.Onnx.Tests.Export;

/// <summary>
/// OpenCV DNN (4.13, classic importer), the peer the model benchmark compares with, on graphs this exporter writes:
/// the forms chosen for it (explicit zero attributes, single-axis Pad, folded weight-only text branch) must keep
/// importing. The tiny portable graph is expected to import up to its first GridSample, which OpenCV 4.13 has no
/// layer for.
/// </summary>
public class OpenCvImportTests
{
    private static Net Load(byte[] model) =>
        CvDnn.ReadNetFromOnnx(model) ?? throw new InvalidOperationException("ReadNetFromOnnx returned null");

    [Fact]
    public void Zero_axis_concat_and_pad_behind_a_shared_constant_import_and_agree_with_onnx_runtime()
    {
        var g = new GraphBuilder("opencv-forms");
        var a = g.Input("a", ElementType.Float, 1, 3);
        var b = g.Input("b", ElementType.Float, 1, 3);
        var shifted = g.Add(a, g.Scalar(1f));                                 // 1.0 consumed by an Add first
        var padded = g.Slice(g.Pad(shifted, rank: 2, axis: 1, before: 1, after: 0, value: 1f), 1, 0, 3);  // then a pad value 1.0
        g.Output(g.Concat(0, padded, b), "y", 2, 3);                        // axis = 0
        var bytes = ModelFile.ToBytes(g.ToModel());
        float[] av = [1, 2, 3], bv = [7, 8, 9];

        var expected = OrtRunner.Run<float>(bytes, null, OrtRunner.Input("a", av, 1, 3), OrtRunner.Input("b", bv, 1, 3))["y"].ToArray();
        Assert.Equal(new float[] { 1, 2, 3, 7, 8, 9 }, expected);

        using var net = Load(bytes);
        using var am = Mat.FromPixelData(1, 3, MatType.CV_32F, av);
        using var bm = Mat.FromPixelData(1, 3, MatType.CV_32F, bv);
        net.SetInput(am, "a");
        net.SetInput(bm, "b");
        using var y = net.Forward("y");
        Assert.Equal(6, (int)y.Total());
        y.GetArray(out float[] actual);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Tiny_portable_graph_imports_up_to_its_first_GridSample()
    {
        var bytes = ModelFile.ToBytes(MFuserGraphWriter.Write(MFuserPresets.Tiny(), new RandomWeights(1), ScanVariant.Portable).ToModel());

        var error = Record.Exception(() => Load(bytes).Dispose());

        // null would mean a newer OpenCV imports all of it: then the benchmark can time it
        if (error is not null)
        {
            Assert.IsType<OpenCVException>(error);
            Assert.Contains("[GridSample@ai.onnx]", error.Message);
        }
    }
}
