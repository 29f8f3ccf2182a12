using MFuser.Training.Scan;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>The training scan equals the naive sequential recurrence, in values and in gradients.</summary>
public class SelectiveScanTests
{
    private static (Tensor u, Tensor delta, Tensor A, Tensor B, Tensor C, Tensor D, Tensor bias) Inputs(long b, long d, long l, long n, int seed,
        double deltaShift = 0)
    {
        var g = new Generator((ulong)seed);
        Tensor R(params long[] shape) => randn(shape, dtype: float64, generator: g);
        var A = -exp(R(d, n) * 0.5) * arange(1, n + 1, dtype: float64);
        return (R(b, d, l), R(b, d, l) + deltaShift, A, R(b, n, l), R(b, n, l), R(d), R(d) * 0.5);
    }

    [Theory]
    [InlineData(2, 6, 37, 4, 8)]     // L not a multiple of the chunk
    [InlineData(1, 3, 64, 16, 16)]   // exact multiple, official d_state
    [InlineData(2, 4, 5, 8, 16)]     // shorter than one chunk
    [InlineData(1, 2, 130, 4, 4)]    // many chunks (log-depth over chunks)
    public void Chunked_matches_sequential_forward(int b, int d, int l, int n, int chunk)
    {
        var (u, dt, A, B, C, D, bias) = Inputs(b, d, l, n, seed: l);
        var y = SelectiveScan.Chunked(u, dt, A, B, C, D, bias, chunk);
        var yRef = SelectiveScan.Sequential(u, dt, A, B, C, D, bias);
        Assert.Equal(yRef.shape, y.shape);
        double err = (y - yRef).abs().max().item<double>() / yRef.abs().max().item<double>();
        Assert.True(err < 1e-10, $"relative error {err}");
    }

    [Fact]
    public void Chunked_is_finite_with_large_decays_where_the_factorised_form_overflows()
    {
        // Δ ≈ softplus(8) ≈ 8 and |A| up to 16: chunk sums of |Δ·A| reach thousands (exp overflows in the cumsum form).
        var (u, dt, A, B, C, D, bias) = Inputs(1, 4, 96, 16, seed: 7, deltaShift: 8);
        var y = SelectiveScan.Chunked(u.to(float32), dt.to(float32), A.to(float32), B.to(float32), C.to(float32), D.to(float32),
            bias.to(float32), 32);
        var yRef = SelectiveScan.Sequential(u, dt, A, B, C, D, bias);
        Assert.True(y.isfinite().all().item<bool>());
        double err = (y.to(float64) - yRef).abs().max().item<double>() / yRef.abs().max().item<double>();
        Assert.True(err < 1e-5, $"relative error {err}");
    }

    [Fact]
    public void Chunked_matches_sequential_gradients()
    {
        var (u, dt, A, B, C, D, bias) = Inputs(2, 5, 45, 8, seed: 3);
        var leaves = new[] { u, dt, A, B, C, D, bias };
        Tensor[] Grads(Func<Tensor[], Tensor> f)
        {
            var xs = leaves.Select(t => t.detach().clone().requires_grad_(true)).ToArray();
            var y = f(xs);
            var w = linspace(-1, 1, y.numel(), dtype: float64).view(y.shape);   // weighted sum: every output matters
            (y * w).sum().backward();
            return xs.Select(x => x.grad!.clone()).ToArray();
        }
        var gChunk = Grads(x => SelectiveScan.Chunked(x[0], x[1], x[2], x[3], x[4], x[5], x[6], 8));
        var gRef = Grads(x => SelectiveScan.Sequential(x[0], x[1], x[2], x[3], x[4], x[5], x[6]));
        string[] names = ["u", "delta", "A", "B", "C", "D", "delta_bias"];
        for (int i = 0; i < leaves.Length; i++)
        {
            double err = (gChunk[i] - gRef[i]).abs().max().item<double>() / (gRef[i].abs().max().item<double>() + 1e-30);
            Assert.True(err < 1e-9, $"grad {names[i]}: relative error {err}");
        }
    }
}
