using MFuser.Onnx.Graph;

namespace MFuser.Onnx.Scan;

/// <summary>
/// The selective scan in standard ONNX ops (docs/export.md, the portable variant): a two-level
/// Hillis–Steele scan of the linear recurrence h_t = a_t ⊙ h_{t−1} + b_t with a = exp(Δ·A), b = Δ·u·B.
/// Level 1 scans inside chunks of Q = 16 steps (shifts 1, 2, 4, 8); level 2 scans the chunk aggregates with shifts
/// 1, 2, 4, … below the chunk count (K = ceil(log2(L/16)) stages, fixed at export because the model's L is static).
/// Only products of factors ≤ 1 and sums occur, so it is stable for any Δ; it runs in float32 whatever the I/O type.
/// Memory is O(B·D·L·N): this is the portable peer, not the fast path.
/// </summary>
public static class PortableScan
{
    /// <summary>Chunk length of the intra-chunk level.</summary>
    public const int ChunkLength = 16;

    /// <summary>Number of chunk-level stages for a sequence of <paramref name="length"/> steps.</summary>
    public static int ChunkStages(int length)
    {
        var chunks = (length + ChunkLength - 1) / ChunkLength;
        var stages = 0;
        while ((1 << stages) < chunks) stages++;
        return stages;
    }

    public static ScanOutputs Emit(GraphBuilder g, ScanInputs i, ScanShape s, bool deltaSoftplus, bool wantLastState)
    {
        using var _ = g.Scope("scan");
        int Bn = s.Batch, D = s.Channels, L = s.Length, N = s.State, G = s.Groups, Dg = D / G;
        const int Q = ChunkLength;
        var chunks = (L + Q - 1) / Q;
        var Lp = chunks * Q;
        var ioType = i.U.Type;
        Value F32(Value v) => v.Type == ElementType.Float ? v : g.Cast(v, ElementType.Float);

        // Δ = softplus(delta + delta_bias). ORT's Softplus is x + log1p(e^−x) for x > 0, log1p(e^x) otherwise; above
        // mamba's threshold (20) that equals x to within float rounding, so the threshold needs no extra Where.
        var dt = F32(i.Delta);
        if (i.DeltaBias is { } bias) dt = g.Add(dt, g.Reshape(bias, D, 1));
        if (deltaSoftplus) dt = g.Node("Softplus", [dt]);
        var u = F32(i.U);

        // a = exp(Δ·A): (B, D, L, 1) · (D, 1, N) → (B, D, L, N).
        var a = g.Exp(g.Mul(g.Unsqueeze(dt, 3), g.Reshape(i.A, D, 1, N)));
        // b = Δ·u·B_g: (B, G, D/G, L, 1) · (B, G, 1, L, N) → (B, D, L, N).
        var bT = g.Unsqueeze(g.Transpose(F32(i.B), 0, 1, 3, 2), 2);
        var b = g.Reshape(g.Mul(g.Reshape(g.Mul(dt, u), Bn, G, Dg, L, 1), bT), Bn, D, L, N);

        // Identity steps (a = 1, b = 0) pad L to whole chunks; layout (B, D, chunks, Q, N).
        if (Lp != L)
        {
            a = g.Pad(a, rank: 4, axis: 2, before: 0, after: Lp - L, value: 1f);
            b = g.Pad(b, rank: 4, axis: 2, before: 0, after: Lp - L, value: 0f);
        }
        a = g.Reshape(a, Bn, D, chunks, Q, N);
        b = g.Reshape(b, Bn, D, chunks, Q, N);

        // Level 1: inclusive scan inside each chunk (axis 3).
        using (g.Scope("intra"))
            for (var shift = 1; shift < Q; shift <<= 1)
                (a, b) = CombineWithShifted(g, a, b, axis: 3, size: Q, shift);

        // Level 2: inclusive scan of the chunk aggregates (last element of each chunk) along the chunk axis (2).
        var aChunk = g.Slice(a, 3, Q - 1, Q);
        var bChunk = g.Slice(b, 3, Q - 1, Q);
        using (g.Scope("chunks"))
            for (var shift = 1; shift < chunks; shift <<= 1)
                (aChunk, bChunk) = CombineWithShifted(g, aChunk, bChunk, axis: 2, size: chunks, shift);

        // State entering each chunk, then every step's state: h = a_prefix ⊙ h_in + b_prefix.
        var hIn = Shifted(g, bChunk, axis: 2, size: chunks, shift: 1, identity: 0f);
        if (i.InitialState is { } h0)
        {
            // Entry state k also carries h0 through every earlier chunk: + (Π_{j<k} aC_j) ⊙ h0.
            var aIn = Shifted(g, aChunk, axis: 2, size: chunks, shift: 1, identity: 1f);
            hIn = g.Add(hIn, g.Mul(aIn, g.Reshape(h0, Bn, D, 1, 1, N)));
        }
        var h = g.Reshape(g.Add(g.Mul(a, hIn), b), Bn, D, Lp, N);
        if (Lp != L) h = g.Slice(h, 2, 0, L);

        // y = Σ_n h ⊙ C_g, + u·D, · silu(z).
        var cT = g.Unsqueeze(g.Transpose(F32(i.C), 0, 1, 3, 2), 2);
        var y = g.Reshape(g.ReduceSum(g.Mul(g.Reshape(h, Bn, G, Dg, L, N), cT), [4], keepDims: false), Bn, D, L);
        if (i.D is { } skip) y = g.Add(y, g.Mul(u, g.Reshape(skip, D, 1)));
        if (i.Z is { } z) y = g.Mul(y, g.Silu(F32(z)));
        if (ioType != ElementType.Float) y = g.Cast(y, ioType);

        Value? last = wantLastState ? g.Reshape(g.Slice(h, 2, L - 1, L), Bn, D, N) : null;
        return new ScanOutputs(y, last);
    }

    /// <summary>One Hillis–Steele stage: (a, b) ← (a ⊙ shift(a), a ⊙ shift(b) + b); b uses the old a.</summary>
    private static (Value A, Value B) CombineWithShifted(GraphBuilder g, Value a, Value b, int axis, int size, int shift)
    {
        var newB = g.Add(g.Mul(a, Shifted(g, b, axis, size, shift, identity: 0f)), b);
        var newA = g.Mul(a, Shifted(g, a, axis, size, shift, identity: 1f));
        return (newA, newB);
    }

    /// <summary>
    /// x (rank 5: B, D, chunks, Q, N) moved <paramref name="shift"/> places forward along <paramref name="axis"/>, the
    /// gap filled with the identity.
    /// </summary>
    private static Value Shifted(GraphBuilder g, Value x, int axis, int size, int shift, float identity) =>
        g.Slice(g.Pad(x, rank: 5, axis, before: shift, after: 0, identity), axis, 0, size);
}
