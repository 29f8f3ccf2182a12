namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>
/// Accumulates in-domain frames into a <see cref="DomainReference"/>: what <c>mfuser-edge calibrate-domain --frames N</c>
/// records from the vehicle's own camera in good conditions, then saves with <see cref="DomainReferenceFile.Save"/>.
/// Scalar signals use Welford's running mean/variance. Embeddings are kept (at most <c>maxFrames</c>, E floats
/// each) because the distance statistics need a fitted reference: the embedding mean/covariance come from all
/// frames, while the mean/std of <see cref="ShiftSignal.EmbeddingDistance"/> are measured out of sample (fit on the
/// even frames, measure the odd ones and vice versa), since in-sample Mahalanobis distances are optimistically small.
/// </summary>
public sealed class DomainBaseline
{
    private readonly Welford[] _signals = new Welford[ShiftSignals.Count];
    private readonly int _maxFrames;
    private readonly double _shrinkage;
    private readonly List<float[]> _embeddings = [];

    public DomainBaseline(int maxFrames = 5000, double shrinkage = EmbeddingReference.DefaultShrinkage)
    {
        if (maxFrames < 2)
            throw new ArgumentOutOfRangeException(nameof(maxFrames), $"maxFrames = {maxFrames}: need ≥ 2");
        _maxFrames = maxFrames;
        _shrinkage = shrinkage;
    }

    /// <summary>Frames added.</summary>
    public long Count { get; private set; }

    /// <summary>True once <c>maxFrames</c> frames were added (further frames are ignored).</summary>
    public bool IsFull => Count >= _maxFrames;

    /// <summary>Adds one frame's signals (absent ones, NaN, are skipped) and its embedding (empty: none).</summary>
    public void Add(in DomainSignals signals, ReadOnlySpan<float> embedding = default)
    {
        if (IsFull)
            return;
        foreach (var signal in ShiftSignals.All)
            if (signal != ShiftSignal.EmbeddingDistance && double.IsFinite(signals[signal]))
                _signals[(int)signal].Add(signal.ToComparedScale(signals[signal]));
        if (!embedding.IsEmpty)
        {
            if (_embeddings.Count > 0 && _embeddings[0].Length != embedding.Length)
                throw new ArgumentException($"embedding has {embedding.Length} values, earlier frames had {_embeddings[0].Length}");
            _embeddings.Add(embedding.ToArray());
        }
        Count++;
    }

    /// <summary>The reference of the frames added so far.</summary>
    /// <exception cref="InvalidOperationException">Fewer than 2 frames.</exception>
    public DomainReference Build(string source)
    {
        if (Count < 2)
            throw new InvalidOperationException($"a domain baseline needs at least 2 frames, has {Count}");
        EmbeddingReference? embedding = null;
        SignalReference? distance = null;
        if (_embeddings.Count >= 4)
        {
            embedding = Fit(_embeddings);
            var even = Fit(_embeddings.Where((_, i) => i % 2 == 0).ToList());
            var odd = Fit(_embeddings.Where((_, i) => i % 2 == 1).ToList());
            var d = new Welford();
            for (var i = 0; i < _embeddings.Count; i++)
                d.Add((i % 2 == 0 ? odd : even).Distance(_embeddings[i]));
            distance = d.Reference;
        }
        var reference = new DomainReference { Source = source, Count = Count, Embedding = embedding };
        foreach (var signal in ShiftSignals.All)
            if (_signals[(int)signal].N >= 2)
                reference[signal] = _signals[(int)signal].Reference;
        reference[ShiftSignal.EmbeddingDistance] = distance;
        return reference;
    }

    private EmbeddingReference Fit(List<float[]> frames)
    {
        var e = frames[0].Length;
        var mean = new double[e];
        foreach (var f in frames)
            for (var i = 0; i < e; i++)
                mean[i] += f[i];
        for (var i = 0; i < e; i++)
            mean[i] /= frames.Count;
        var cov = new double[e * e];
        var diff = new double[e];
        foreach (var f in frames)
        {
            for (var i = 0; i < e; i++)
                diff[i] = f[i] - mean[i];
            for (var i = 0; i < e; i++)
            {
                var di = diff[i];
                var row = cov.AsSpan(i * e, e);
                for (var j = 0; j <= i; j++)
                    row[j] += di * diff[j];
            }
        }
        var scale = 1.0 / (frames.Count - 1);
        for (var i = 0; i < e; i++)
            for (var j = 0; j <= i; j++)
                cov[j * e + i] = cov[i * e + j] *= scale;
        return EmbeddingReference.FromCovariance(Array.ConvertAll(mean, v => (float)v), cov, _shrinkage);
    }

    /// <summary>Welford's running mean and variance.</summary>
    public struct Welford
    {
        private double _mean, _m2;

        public long N { get; private set; }

        public void Add(double x)
        {
            N++;
            var delta = x - _mean;
            _mean += delta / N;
            _m2 += delta * (x - _mean);
        }

        public readonly SignalReference Reference => new(_mean, N > 1 ? Math.Sqrt(_m2 / (N - 1)) : 0);
    }
}
