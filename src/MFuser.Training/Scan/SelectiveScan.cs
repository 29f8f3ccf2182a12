using TorchSharp;
using static TorchSharp.torch;

namespace MFuser.Training.Scan;

/// <summary>
/// Mamba-1 selective scan with mamba_ssm <c>selective_scan_ref</c> semantics (docs/selective-scan.md §1):
/// Δ = softplus(delta + delta_bias); h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·B_t·u_t; y_t = Σ_n C_t[n]·h_t[n] + D·u_t.
/// Shapes: u, delta (B, D, L); A (D, N); Bm, Cm (B, N, L) (one group); D, deltaBias (D). Output (B, D, L).
/// The training form is <see cref="Chunked"/>: built from autograd-friendly tensor ops only. In ONNX the whole call
/// becomes one <c>com.mfuser::SelectiveScan</c> node (or its portable decomposition).
/// </summary>
public static class SelectiveScan
{
    /// <summary>
    /// Two-level log-depth (Hillis–Steele) scan of docs/selective-scan.md §3: an inclusive scan inside chunks
    /// of <paramref name="chunk"/> steps, then one over the chunk aggregates. Only products of factors ≤ 1 and sums,
    /// so it cannot overflow (unlike the factorised-cumsum form). Memory O(B·D·L·N) per stage.
    /// </summary>
    public static Tensor Chunked(Tensor u, Tensor delta, Tensor A, Tensor Bm, Tensor Cm, Tensor D, Tensor deltaBias, int chunk = 16)
    {
        if (chunk < 1 || (chunk & (chunk - 1)) != 0) throw new ArgumentException($"chunk must be a power of two, got {chunk}");
        using var scope = NewDisposeScope();
        long batch = u.shape[0], dim = u.shape[1], len = u.shape[2], states = A.shape[1];
        var (a, b) = Discretise(u, delta, A, Bm, deltaBias);              // (B, D, L, N) each
        long chunks = (len + chunk - 1) / chunk, padded = chunks * chunk;
        if (padded != len)
        {   // identity steps at the end: a = 1, b = 0
            a = nn.functional.pad(a, [0, 0, 0, padded - len], value: 1.0);
            b = nn.functional.pad(b, [0, 0, 0, padded - len], value: 0.0);
        }
        a = a.view(batch, dim, chunks, chunk, states);
        b = b.view(batch, dim, chunks, chunk, states);
        (a, b) = InclusiveScan(a, b, axis: 3);                             // prefix inside each chunk
        var aEnd = a.select(3, chunk - 1);                                  // (B, D, nc, N)
        var bEnd = b.select(3, chunk - 1);
        var (_, hEnd) = InclusiveScan(aEnd, bEnd, axis: 2);                 // state after each chunk
        var hIn = Shift(hEnd, 1, axis: 2, identity: 0.0);                   // state entering each chunk
        var h = a * hIn.unsqueeze(3) + b;                                    // (B, D, nc, Q, N)
        h = h.view(batch, dim, padded, states).narrow(2, 0, len);
        var y = (h * Cm.transpose(1, 2).unsqueeze(1)).sum(-1) + D.view(1, -1, 1) * u;
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>Naive per-step recurrence: the reference the chunked form is tested against (slow).</summary>
    public static Tensor Sequential(Tensor u, Tensor delta, Tensor A, Tensor Bm, Tensor Cm, Tensor D, Tensor deltaBias)
    {
        using var scope = NewDisposeScope();
        var (a, b) = Discretise(u, delta, A, Bm, deltaBias);
        long len = u.shape[2];
        var h = zeros_like(a.select(2, 0));
        var ys = new Tensor[len];
        for (long t = 0; t < len; t++)
        {
            h = a.select(2, t) * h + b.select(2, t);
            ys[t] = (h * Cm.select(2, t).unsqueeze(1)).sum(-1);
        }
        var y = stack(ys, 2) + D.view(1, -1, 1) * u;
        return y.MoveToOuterDisposeScope();
    }

    /// <summary>(exp(Δ·A), Δ·u·B) laid out (B, D, L, N); Δ = softplus(delta + bias), threshold 20 as mamba_ssm.</summary>
    private static (Tensor a, Tensor b) Discretise(Tensor u, Tensor delta, Tensor A, Tensor Bm, Tensor deltaBias)
    {
        var dt = nn.functional.softplus(delta + deltaBias.view(1, -1, 1), beta: 1, threshold: 20);
        var a = exp(dt.unsqueeze(-1) * A.unsqueeze(0).unsqueeze(2));
        var b = (dt * u).unsqueeze(-1) * Bm.transpose(1, 2).unsqueeze(1);
        return (a, b);
    }

    /// <summary>Hillis–Steele inclusive scan of (a, b) pairs under (a1,b1)∘(a2,b2) = (a1·a2, a2·b1 + b2).</summary>
    private static (Tensor a, Tensor b) InclusiveScan(Tensor a, Tensor b, int axis)
    {
        long n = a.shape[axis];
        for (long s = 1; s < n; s *= 2)
        {
            b = a * Shift(b, s, axis, 0.0) + b;     // b before a: uses the old a
            a = a * Shift(a, s, axis, 1.0);
        }
        return (a, b);
    }

    /// <summary>x shifted by <paramref name="s"/> along <paramref name="axis"/>, the gap filled with the identity.</summary>
    private static Tensor Shift(Tensor x, long s, int axis, double identity)
    {
        long n = x.shape[axis];
        if (s >= n) return full_like(x, identity);
        var fillShape = x.shape.ToArray();
        fillShape[axis] = s;
        return cat([full(fillShape, identity, dtype: x.dtype, device: x.device), x.narrow(axis, 0, n - s)], axis);
    }
}
