namespace MFuser.Onnx.Tests.Scan;

/// <summary>
/// Scalar fp64 oracle of <c>com.mfuser::SelectiveScan</c>, the same semantics as native/selective_scan/src/reference.h
/// (docs/selective-scan.md §1): layouts u, delta, z, y (B, D, L); A (D, N); B, C (B, G, N, L); D, delta_bias (D);
/// initial_state, last_state (B, D, N). Null optional inputs are absent.
/// </summary>
internal static class ScanReference
{
    public sealed record Case(int Batch, int Channels, int Length, int State, int Groups,
        double[] U, double[] Delta, double[] A, double[] B, double[] C,
        double[]? D, double[]? Z, double[]? DeltaBias, double[]? InitialState, bool DeltaSoftplus);

    /// <summary>mamba's softplus with threshold 20: log1p(e^x) for x ≤ 20, else x.</summary>
    public static double Softplus20(double x) => x <= 20 ? LogOnePlus(Math.Exp(x)) : x;

    /// <summary>Accurate log(1 + v) for tiny v (Kahan's trick: the rounding of 1 + v cancels).</summary>
    private static double LogOnePlus(double v)
    {
        var w = 1 + v;
        return w == 1 ? v : Math.Log(w) * v / (w - 1);
    }

    public static (double[] Y, double[] LastState) Run(Case c)
    {
        int Bn = c.Batch, Dn = c.Channels, L = c.Length, N = c.State, G = c.Groups, perGroup = Dn / G;
        var y = new double[Bn * Dn * L];
        var last = new double[Bn * Dn * N];
        var h = new double[N];
        for (var b = 0; b < Bn; b++)
        for (var d = 0; d < Dn; d++)
        {
            var g = d / perGroup;
            for (var n = 0; n < N; n++) h[n] = c.InitialState?[(b * Dn + d) * N + n] ?? 0;
            var row = (b * Dn + d) * L;
            var bcBase = (b * G + g) * N * L;
            for (var t = 0; t < L; t++)
            {
                var dt = c.Delta[row + t] + (c.DeltaBias?[d] ?? 0);
                if (c.DeltaSoftplus) dt = Softplus20(dt);
                var u = c.U[row + t];
                double acc = 0;
                for (var n = 0; n < N; n++)
                {
                    h[n] = Math.Exp(dt * c.A[d * N + n]) * h[n] + dt * u * c.B[bcBase + n * L + t];
                    acc += h[n] * c.C[bcBase + n * L + t];
                }
                if (c.D is not null) acc += u * c.D[d];
                if (c.Z is not null)
                {
                    var z = c.Z[row + t];
                    acc *= z / (1 + Math.Exp(-z));
                }
                y[row + t] = acc;
            }
            for (var n = 0; n < N; n++) last[(b * Dn + d) * N + n] = h[n];
        }
        return (y, last);
    }
}
