using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using static MFuser.Onnx.Tests.Scan.ScanCases;

namespace MFuser.Onnx.Tests.Scan;

/// <summary>The portable (standard-op) scan through ONNX Runtime against the fp64 oracle.</summary>
public class PortableScanTests
{
    private const double Fp32Tolerance = 1e-5;
    private const double Fp16Tolerance = 2e-3;

    public static TheoryData<int, int, int, int, int, int, int, bool> Matrix()
    {
        // seed, B, G, D/G, N, L, optional inputs, softplus — shapes across chunk edges (15/16/17, 255/256/257)
        var data = new TheoryData<int, int, int, int, int, int, int, bool>();
        var seed = 100;
        foreach (var (b, g, dg, n, l, opt, sp) in new (int, int, int, int, int, Optional, bool)[]
        {
            (1, 1, 1, 1, 1, Optional.None, true),
            (1, 1, 7, 4, 2, Optional.All, true),
            (2, 1, 8, 16, 15, Optional.D | Optional.DeltaBias, true),
            (1, 4, 7, 16, 16, Optional.Z, true),
            (2, 4, 1, 4, 17, Optional.InitialState, true),
            (1, 1, 9, 16, 255, Optional.D | Optional.Z, false),
            (1, 2, 5, 16, 256, Optional.All, true),
            (2, 1, 3, 64, 257, Optional.DeltaBias | Optional.InitialState, true),
            (1, 1, 6, 16, 1000, Optional.D | Optional.DeltaBias, true),
        })
            data.Add(seed++, b, g, dg, n, l, (int)opt, sp);
        return data;
    }

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Matches_the_fp64_oracle_within_1e5_of_scale(int seed, int batch, int groups, int perGroup, int state, int length,
        int optional, bool softplus)
    {
        var c = RoundedTo(Random(seed, batch, groups * perGroup, length, state, groups, (Optional)optional, softplus), ElementType.Float);
        var (y, last) = ScanCases.Run(Model(ScanVariant.Portable, c, wantLastState: true), c);
        var (refY, refLast) = ScanReference.Run(c);

        var errY = ScaledError(y, refY);
        var errLast = ScaledError(last!, refLast);
        Assert.True(errY <= Fp32Tolerance, $"seed {seed}: y error {errY:E2} > {Fp32Tolerance:E0}");
        Assert.True(errLast <= Fp32Tolerance, $"seed {seed}: last_state error {errLast:E2} > {Fp32Tolerance:E0}");
    }

    [Theory]
    [InlineData(30.0)]   // Δ huge: a → 0, the state resets every step
    [InlineData(-25.0)]  // Δ tiny: a → 1, long memory
    public void Stays_finite_and_exact_at_extreme_deltas(double deltaShift)
    {
        var c = RoundedTo(Random(7, 1, 8, 300, 16, 1, Optional.D | Optional.DeltaBias, deltaShift: deltaShift), ElementType.Float);
        var (y, _) = ScanCases.Run(Model(ScanVariant.Portable, c, wantLastState: false), c);
        var err = ScaledError(y, ScanReference.Run(c).Y);
        Assert.True(err <= Fp32Tolerance, $"shift {deltaShift}: error {err:E2}");
    }

    [Fact]
    public void Half_precision_io_keeps_fp32_math_inside()
    {
        var c = RoundedTo(Random(11, 1, 16, 200, 16, 1, Optional.All), ElementType.Float16);
        var (y, _) = ScanCases.Run(Model(ScanVariant.Portable, c, false, ElementType.Float16), c, ioType: ElementType.Float16);
        var err = ScaledError(y, ScanReference.Run(c).Y);
        Assert.True(err <= Fp16Tolerance, $"fp16 I/O error {err:E2} > {Fp16Tolerance:E0}");
    }

    [Fact]
    public void Splitting_the_sequence_through_last_and_initial_state_gives_the_full_scan()
    {
        const int D = 6, N = 16, L = 90, L1 = 37;
        var full = RoundedTo(Random(5, 1, D, L, N, 1, Optional.D | Optional.DeltaBias), ElementType.Float);
        ScanReference.Case Part(int from, int to, double[]? h0) => full with
        {
            Length = to - from,
            U = Cut(full.U, D, L, from, to), Delta = Cut(full.Delta, D, L, from, to),
            B = Cut(full.B, N, L, from, to), C = Cut(full.C, N, L, from, to),
            InitialState = h0,
        };
        var (yFull, _) = ScanCases.Run(Model(ScanVariant.Portable, full, false), full);
        var first = Part(0, L1, null);
        var (y1, s1) = ScanCases.Run(Model(ScanVariant.Portable, first, true), first);
        var second = Part(L1, L, s1!.Select(v => (double)v).ToArray());
        var (y2, _) = ScanCases.Run(Model(ScanVariant.Portable, second, false), second);

        for (var d = 0; d < D; d++)
        for (var t = 0; t < L; t++)
        {
            var expected = yFull[d * L + t];
            var actual = t < L1 ? y1[d * L1 + t] : y2[d * (L - L1) + t - L1];
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Max(1, Math.Abs(expected)), $"d={d} t={t}: {actual} vs {expected}");
        }
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(16, 0)]
    [InlineData(17, 1)]
    [InlineData(2594, 8)]  // the MFuser-L backbone sequence: 163 chunks → 8 chunk stages
    public void Chunk_stage_count_is_ceil_log2_of_chunks(int length, int stages) =>
        Assert.Equal(stages, PortableScan.ChunkStages(length));

    /// <summary>Columns [from, to) of every row of a (rows, L) row-major array.</summary>
    private static double[] Cut(double[] data, int rows, int length, int from, int to) =>
        Enumerable.Range(0, data.Length / length).SelectMany(r => data.Skip(r * length + from).Take(to - from)).ToArray();
}
