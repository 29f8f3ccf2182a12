namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>
/// Reference statistics of the model's <c>embedding</c> output: the mean and the precision (inverse covariance)
/// of in-domain frames. <see cref="Distance"/> is the Mahalanobis distance divided by √E, so an in-domain frame of
/// a Gaussian reference scores ≈ 1 whatever the dimension E. Covariances are regularised before inversion by
/// shrinking towards a scaled identity, Σ' = (1 − λ)·Σ + λ·(tr Σ / E)·I (Ledoit–Wolf's target): with fewer frames
/// than dimensions Σ is singular, and even when it is not, its smallest eigenvalues are noise that would dominate
/// the distance. Immutable and thread-safe; <see cref="Distance"/> allocates nothing.
/// </summary>
public sealed class EmbeddingReference
{
    /// <summary>Default shrinkage λ.</summary>
    public const double DefaultShrinkage = 0.1;

    private readonly float[] _mean;
    private readonly float[] _precision;

    /// <summary>Largest supported E (the distance keeps its E-float scratch on the stack).</summary>
    public const int MaxDimension = 4096;

    private EmbeddingReference(float[] mean, float[] precision)
    {
        if (mean.Length > MaxDimension)
            throw new ArgumentException($"embedding dimension {mean.Length} exceeds the supported maximum {MaxDimension}");
        _mean = mean;
        _precision = precision;
    }

    /// <summary>Embedding dimension E.</summary>
    public int Dimension => _mean.Length;

    public ReadOnlySpan<float> Mean => _mean;

    /// <summary>E×E precision matrix, row-major.</summary>
    public ReadOnlySpan<float> Precision => _precision;

    /// <summary>A reference from a mean and a precision matrix (E×E row-major, symmetric).</summary>
    public static EmbeddingReference FromPrecision(ReadOnlySpan<float> mean, ReadOnlySpan<float> precision)
    {
        var e = mean.Length;
        if (e == 0)
            throw new ArgumentException("embedding mean is empty");
        if (precision.Length != e * e)
            throw new ArgumentException($"precision has {precision.Length} values, expected {e}x{e} = {e * e}");
        return new EmbeddingReference(mean.ToArray(), precision.ToArray());
    }

    /// <summary>A reference from a mean and a covariance matrix (E×E row-major), shrunk by
    /// <paramref name="shrinkage"/> (0 … 1) and inverted by Cholesky decomposition.</summary>
    /// <exception cref="ArgumentException">Sizes disagree, λ is outside [0, 1], or the shrunk covariance is not
    /// positive definite (all-zero covariance, or λ = 0 on a singular one).</exception>
    public static EmbeddingReference FromCovariance(ReadOnlySpan<float> mean, ReadOnlySpan<double> covariance, double shrinkage = DefaultShrinkage)
    {
        var e = mean.Length;
        if (e == 0)
            throw new ArgumentException("embedding mean is empty");
        if (covariance.Length != e * e)
            throw new ArgumentException($"covariance has {covariance.Length} values, expected {e}x{e} = {e * e}");
        if (shrinkage is < 0 or > 1 || double.IsNaN(shrinkage))
            throw new ArgumentException($"shrinkage = {shrinkage}: must be in [0, 1]");
        var a = new double[e * e];
        double trace = 0;
        for (var i = 0; i < e; i++)
            trace += covariance[i * e + i];
        var target = trace / e;
        for (var i = 0; i < e; i++)
            for (var j = 0; j < e; j++)
                a[i * e + j] = (1 - shrinkage) * 0.5 * (covariance[i * e + j] + covariance[j * e + i]) + (i == j ? shrinkage * target : 0);
        return new EmbeddingReference(mean.ToArray(), InvertSpd(a, e));
    }

    /// <summary>√((x − μ)ᵀ P (x − μ) / E) for an embedding <paramref name="x"/> of length E.</summary>
    public double Distance(ReadOnlySpan<float> x)
    {
        var e = _mean.Length;
        if (x.Length != e)
            throw new ArgumentException($"embedding has {x.Length} values, the reference has {e}");
        Span<float> diff = stackalloc float[e];
        for (var i = 0; i < e; i++)
            diff[i] = x[i] - _mean[i];
        double d2 = 0;
        var p = _precision.AsSpan();
        for (var i = 0; i < e; i++)
        {
            var row = p.Slice(i * e, e);
            double acc = 0;
            for (var j = 0; j < e; j++)
                acc += row[j] * diff[j];
            d2 += acc * diff[i];
        }
        return Math.Sqrt(Math.Max(0, d2) / e);
    }

    /// <summary>Inverse of a symmetric positive-definite matrix via Cholesky (A = L·Lᵀ, A⁻¹ = L⁻ᵀ·L⁻¹).</summary>
    private static float[] InvertSpd(double[] a, int n)
    {
        var l = new double[n * n];
        for (var j = 0; j < n; j++)
        {
            var d = a[j * n + j];
            for (var k = 0; k < j; k++)
                d -= l[j * n + k] * l[j * n + k];
            if (!(d > 1e-12))
                throw new ArgumentException($"covariance is not positive definite (pivot {j} = {d:G3}); record more frames or raise the shrinkage");
            var ljj = Math.Sqrt(d);
            l[j * n + j] = ljj;
            for (var i = j + 1; i < n; i++)
            {
                var s = a[i * n + j];
                for (var k = 0; k < j; k++)
                    s -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = s / ljj;
            }
        }
        // inv(L), lower triangular
        var li = new double[n * n];
        for (var i = 0; i < n; i++)
        {
            li[i * n + i] = 1 / l[i * n + i];
            for (var j = 0; j < i; j++)
            {
                double s = 0;
                for (var k = j; k < i; k++)
                    s -= l[i * n + k] * li[k * n + j];
                li[i * n + j] = s / l[i * n + i];
            }
        }
        // P = inv(L)ᵀ · inv(L)
        var p = new float[n * n];
        for (var i = 0; i < n; i++)
            for (var j = 0; j <= i; j++)
            {
                double s = 0;
                for (var k = i; k < n; k++)
                    s += li[k * n + i] * li[k * n + j];
                p[i * n + j] = p[j * n + i] = (float)s;
            }
        return p;
    }
}
