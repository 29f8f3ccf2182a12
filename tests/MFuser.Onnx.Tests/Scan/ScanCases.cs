using MFuser.Onnx.Graph;
using MFuser.Onnx.Proto;
using MFuser.Onnx.Scan;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Onnx.Tests.Scan;

/// <summary>Random scan cases (value ranges of docs/selective-scan.md §4) and standalone scan models to run them.</summary>
internal static class ScanCases
{
    [Flags]
    public enum Optional { None = 0, D = 1, Z = 2, DeltaBias = 4, InitialState = 8, All = 15 }

    public static ScanReference.Case Random(int seed, int batch, int channels, int length, int state, int groups,
        Optional optional, bool softplus = true, double deltaShift = 0)
    {
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        double[] Many(int n, Func<double> f) => Enumerable.Range(0, n).Select(_ => f()).ToArray();
        int bdl = batch * channels * length, bgnl = batch * groups * state * length;
        var delta = Many(bdl, () => Normal() - 3 + deltaShift + (rng.NextDouble() < 0.01 ? 6 : 0));
        if (!softplus) delta = delta.Select(Math.Exp).ToArray();  // Δ must be positive when used raw
        return new ScanReference.Case(batch, channels, length, state, groups,
            U: Many(bdl, Normal), Delta: delta,
            A: Many(channels * state, () => -Math.Exp(rng.NextDouble() * 4 - 1)),
            B: Many(bgnl, Normal), C: Many(bgnl, Normal),
            D: optional.HasFlag(Optional.D) ? Many(channels, Normal) : null,
            Z: optional.HasFlag(Optional.Z) ? Many(bdl, Normal) : null,
            DeltaBias: optional.HasFlag(Optional.DeltaBias) ? Many(channels, () => 0.5 * Normal()) : null,
            InitialState: optional.HasFlag(Optional.InitialState) ? Many(batch * channels * state, Normal) : null,
            DeltaSoftplus: softplus);
    }

    /// <summary>A model whose only work is one scan with the case's inputs as graph inputs.</summary>
    public static ModelProto Model(ScanVariant variant, ScanReference.Case c, bool wantLastState, ElementType ioType = ElementType.Float)
    {
        var g = new GraphBuilder("scan");
        int B = c.Batch, D = c.Channels, L = c.Length, N = c.State, G = c.Groups;
        var inputs = new ScanInputs(
            U: g.Input("u", ioType, B, D, L), Delta: g.Input("delta", ioType, B, D, L),
            A: g.Input("A", ElementType.Float, D, N),
            B: g.Input("B", ioType, B, G, N, L), C: g.Input("C", ioType, B, G, N, L),
            D: c.D is null ? null : g.Input("D", ElementType.Float, D),
            Z: c.Z is null ? null : g.Input("z", ioType, B, D, L),
            DeltaBias: c.DeltaBias is null ? null : g.Input("delta_bias", ElementType.Float, D),
            InitialState: c.InitialState is null ? null : g.Input("initial_state", ElementType.Float, B, D, N));
        var outs = SelectiveScan.Emit(g, variant, inputs, new ScanShape(B, D, L, N, G), c.DeltaSoftplus, wantLastState);
        g.Output(outs.Y, "y", B, D, L);
        if (wantLastState) g.Output(outs.LastState!.Value, "last_state", B, D, N);
        return g.ToModel();
    }

    /// <summary>Runs <paramref name="model"/> on the case (inputs rounded to <paramref name="ioType"/>); returns y and last_state (or
    /// null).</summary>
    public static (float[] Y, float[]? LastState) Run(ModelProto model, ScanReference.Case c, string? customOpLibrary = null,
        ElementType ioType = ElementType.Float)
    {
        int B = c.Batch, D = c.Channels, L = c.Length, N = c.State, G = c.Groups;
        var inputs = new List<NamedOnnxValue>
        {
            Io("u", c.U, ioType, B, D, L), Io("delta", c.Delta, ioType, B, D, L), F32("A", c.A, D, N),
            Io("B", c.B, ioType, B, G, N, L), Io("C", c.C, ioType, B, G, N, L),
        };
        if (c.D is not null) inputs.Add(F32("D", c.D, D));
        if (c.Z is not null) inputs.Add(Io("z", c.Z, ioType, B, D, L));
        if (c.DeltaBias is not null) inputs.Add(F32("delta_bias", c.DeltaBias, D));
        if (c.InitialState is not null) inputs.Add(F32("initial_state", c.InitialState, B, D, N));
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        if (customOpLibrary is not null) options.RegisterCustomOpLibrary(customOpLibrary);
        using var session = new InferenceSession(ModelFile.ToBytes(model), options);
        using var results = session.Run(inputs);
        float[] Out(DisposableNamedOnnxValue r) => r.Value switch
        {
            Tensor<float> f => f.ToArray(),
            Tensor<Float16> h => h.ToArray().Select(v => (float)v).ToArray(),
            var other => throw new InvalidOperationException($"unexpected output type {other?.GetType()}"),
        };
        var y = Out(results.First(r => r.Name == "y"));
        var last = results.FirstOrDefault(r => r.Name == "last_state") is { } l ? Out(l) : null;
        return (y, last);
    }

    private static NamedOnnxValue F32(string name, double[] data, params int[] dims) =>
        NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(data.Select(v => (float)v).ToArray(), dims));

    private static NamedOnnxValue Io(string name, double[] data, ElementType type, params int[] dims) => type switch
    {
        ElementType.Float => F32(name, data, dims),
        ElementType.Float16 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<Float16>(data.Select(v => (Float16)(float)v).ToArray(), dims)),
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>The case with u, delta, B, C, z rounded to the I/O type (what the model actually sees).</summary>
    public static ScanReference.Case RoundedTo(ScanReference.Case c, ElementType type)
    {
        double[] R(double[] v) => v.Select(x => type == ElementType.Float16 ? (double)(float)(Float16)(float)x : (float)x).ToArray();
        double[]? Ro(double[]? v) => v is null ? null : R(v);
        double[]? F(double[]? v) => v?.Select(x => (double)(float)x).ToArray();
        return c with
        {
            U = R(c.U), Delta = R(c.Delta), B = R(c.B), C = R(c.C), Z = Ro(c.Z),
            A = F(c.A)!, D = F(c.D), DeltaBias = F(c.DeltaBias), InitialState = F(c.InitialState),
        };
    }

    /// <summary>Largest |actual − expected| / max(|expected|, rms(expected)) over all elements (research note §6.3).</summary>
    public static double ScaledError(float[] actual, double[] expected)
    {
        Assert.Equal(expected.Length, actual.Length);
        var rms = Math.Sqrt(expected.Sum(v => v * v) / Math.Max(1, expected.Length));
        var worst = 0.0;
        for (var k = 0; k < expected.Length; k++)
        {
            Assert.False(float.IsNaN(actual[k]) || float.IsInfinity(actual[k]), $"non-finite output at {k}: {actual[k]}");
            var scale = Math.Max(Math.Abs(expected[k]), rms);
            if (scale == 0) scale = 1;
            worst = Math.Max(worst, Math.Abs(actual[k] - expected[k]) / scale);
        }
        return worst;
    }
}
