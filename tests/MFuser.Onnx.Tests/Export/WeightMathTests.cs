using MFuser.Onnx.Export;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Tests.Export;

/// <summary>The export-time math that replaces weight-only subgraphs agrees with the ONNX ops it replaces, run by ONNX Runtime.</summary>
public class WeightMathTests
{
    private static float[] Random(int seed, int count, double scale = 1)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
    }

    private static void AssertClose(float[] expected, float[] actual, double tolerance = 1e-5)
    {
        Assert.Equal(expected.Length, actual.Length);
        var worst = expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max();
        Assert.True(worst <= tolerance, $"max-abs difference {worst:E2} > {tolerance:E0}");
    }

    [Fact]
    public void Layer_norm_and_linear_match_LayerNormalization_and_Gemm()
    {
        const int rows = 5, dim = 12, outDim = 7;
        var x = Random(1, rows * dim, 3);
        float[] scale = Random(2, dim), bias = Random(3, dim), w = Random(4, outDim * dim), b = Random(5, outDim);
        var g = new GraphBuilder("weight-math");
        var input = g.Input("x", ElementType.Float, rows, dim);
        var normed = g.LayerNorm(input, g.Initializer<float>("scale", scale, dim), g.Initializer<float>("bias", bias, dim), 1e-5f);
        g.Output(normed, "normed", rows, dim);
        g.Output(g.Gemm(normed, g.Initializer<float>("w", w, outDim, dim), g.Initializer<float>("b", b, outDim), transB: true),
            "linear", rows, outDim);

        var ort = OrtRunner.Run<float>(g.ToModel(), OrtRunner.Input("x", x, rows, dim));

        var hostNormed = WeightMath.LayerNorm(x, dim, scale, bias, 1e-5f);
        AssertClose(ort["normed"].ToArray(), hostNormed);
        AssertClose(ort["linear"].ToArray(), WeightMath.Linear(hostNormed, dim, w, outDim, b));
    }

    [Fact]
    public void Attention_matches_the_graph_written_by_the_module_writer()
    {
        const int lq = 6, lk = 9, channels = 16, heads = 4;
        float[] q = Random(6, lq * channels, 2), k = Random(7, lk * channels, 2), v = Random(8, lk * channels);
        var g = new GraphBuilder("attention");
        var m = new ModuleWriter(g, new RandomWeights(1));
        var o = m.Attend(g.Input("q", ElementType.Float, lq, channels), g.Input("k", ElementType.Float, lk, channels),
            g.Input("v", ElementType.Float, lk, channels), lq, lk, channels, heads);
        g.Output(o, "o", lq, channels);

        var ort = OrtRunner.Run<float>(g.ToModel(), OrtRunner.Input("q", q, lq, channels), OrtRunner.Input("k", k, lk, channels),
            OrtRunner.Input("v", v, lk, channels));

        AssertClose(ort["o"].ToArray(), WeightMath.Attend(q, k, v, lq, lk, channels, heads));
    }
}
