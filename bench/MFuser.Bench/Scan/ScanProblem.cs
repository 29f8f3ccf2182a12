using System.Numerics;
using MFuser.Onnx.Architecture;

namespace MFuser.Bench.Scan;

/// <summary>One selective-scan call of an MFuser model: the MVFuser scan (B = 1, G = 1) with D = expand·width/2
/// channels, N states and L = the fused token count of both streams.</summary>
public sealed record ScanShape(string Name, int D, int N, int L)
{
    public static ScanShape FusionOf(MFuserConfig cfg) =>
        new(cfg.Name, cfg.Fusion.Expand * cfg.Width / 2, cfg.Fusion.DState, cfg.StreamCount * cfg.TokensPerStream);

    public long TokenChannels => (long)D * L;
}

/// <summary>Inputs drawn as in scan_bench and the kernel tests: u, B, C, z, D ~ N(0,1), delta ~ N(−3,1),
/// A = −exp(U(−1,3)), delta_bias ~ U(−½,½); all of them present, delta_softplus = 1.</summary>
public sealed class ScanProblem
{
    public ScanShape Shape { get; }
    public float[] U { get; }
    public float[] Delta { get; }
    public float[] Z { get; }
    public float[] A { get; }
    public float[] B { get; }
    public float[] C { get; }
    public float[] Skip { get; }
    public float[] DeltaBias { get; }

    public ScanProblem(ScanShape shape, int seed = 42)
    {
        Shape = shape;
        var rng = new Random(seed);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        float[] Fill(long n, Func<double> f) { var a = new float[n]; for (var i = 0; i < n; i++) a[i] = (float)f(); return a; }
        long dl = shape.TokenChannels, nl = (long)shape.N * shape.L;
        U = Fill(dl, Normal);
        Delta = Fill(dl, () => Normal() - 3);
        Z = Fill(dl, Normal);
        A = Fill((long)shape.D * shape.N, () => -Math.Exp(-1 + 4 * rng.NextDouble()));
        B = Fill(nl, Normal);
        C = Fill(nl, Normal);
        Skip = Fill(shape.D, Normal);
        DeltaBias = Fill(shape.D, () => rng.NextDouble() - 0.5);
    }

    /// <summary>The scalar reference scan (docs/selective-scan.md §1) computed in <typeparamref name="T"/>
    /// (float or double): one channel at a time, one token at a time, libm exp/log. y is (D, L).</summary>
    public void Reference<T>(T[] y, T[] state) where T : IFloatingPointIeee754<T>
    {
        int D = Shape.D, N = Shape.N, L = Shape.L;
        var twenty = T.CreateTruncating(20);
        for (var d = 0; d < D; d++)
        {
            Array.Clear(state, 0, N);
            var bias = T.CreateTruncating(DeltaBias[d]);
            var skip = T.CreateTruncating(Skip[d]);
            for (var t = 0; t < L; t++)
            {
                var k = d * L + t;
                var x = T.CreateTruncating(Delta[k]) + bias;
                var dt = x > twenty ? x : T.Log(T.One + T.Exp(x));
                var u = T.CreateTruncating(U[k]);
                var dtu = dt * u;
                var acc = T.Zero;
                for (var n = 0; n < N; n++)
                {
                    var h = T.Exp(dt * T.CreateTruncating(A[d * N + n])) * state[n] + dtu * T.CreateTruncating(B[n * L + t]);
                    state[n] = h;
                    acc += h * T.CreateTruncating(C[n * L + t]);
                }
                var z = T.CreateTruncating(Z[k]);
                y[k] = (acc + skip * u) * (z / (T.One + T.Exp(-z)));
            }
        }
    }

    /// <summary>max |y − ref| / max(|ref|, rms(ref)): the error metric of the kernel tests.</summary>
    public static double RelativeError(ReadOnlySpan<float> y, ReadOnlySpan<double> reference)
    {
        double ss = 0;
        foreach (var r in reference) ss += r * r;
        var rms = Math.Sqrt(ss / reference.Length);
        double worst = 0;
        for (var i = 0; i < y.Length; i++)
            worst = Math.Max(worst, Math.Abs(y[i] - reference[i]) / Math.Max(Math.Abs(reference[i]), rms));
        return worst;
    }
}
