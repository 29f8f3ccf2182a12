using MFuser.Onnx.Architecture;
using MFuser.Onnx.Weights;

namespace MFuser.Training.TextPrior;

/// <summary>
/// Export view of a text-prior checkpoint: <c>text_embeddings</c> (1×K×E) is computed as table·projᵀ + bias from
/// <c>text_prior.table</c>, <c>text_prior.proj.weight</c> and <c>.bias</c>, so the exporter writes T0 as one constant
/// exactly as for a learned or precomputed table (the graph and its cost do not change). Other keys pass through.
/// </summary>
public sealed class FoldedTextPrior(IWeightSource inner, MFuserConfig cfg, int priorDim) : IWeightSource
{
    public const string Key = "text_embeddings";

    /// <summary>Wraps <paramref name="weights"/> when <paramref name="cfg"/> uses the projected text prior.</summary>
    public static IWeightSource Wrap(MFuserConfig cfg, IWeightSource weights) =>
        cfg.TextEmbeddings == TextEmbeddingSource.Projected ? new FoldedTextPrior(weights, cfg, ClassTextTable.Bundled.Dim) : weights;

    public float[] Read(string key, long[] shape, WeightInit init)
    {
        if (key != Key) return inner.Read(key, shape, init);
        int k = cfg.NumClasses, e = cfg.EmbedDim, d = priorDim;
        if (shape.Aggregate(1L, (a, b) => a * b) != (long)k * e)
            throw new ArgumentException($"{Key}: asked for shape [{string.Join(", ", shape)}], the text prior gives {k}x{e}");
        var table = inner.Read("text_prior.table", [1, k, d], new WeightInit.Fixed(ClassTextTable.Bundled.FlatFor(cfg)));
        var w = inner.Read("text_prior.proj.weight", [e, d], new WeightInit.Normal(1));
        var bias = inner.Read("text_prior.proj.bias", [e], WeightInit.Zeros);
        var t0 = new float[k * e];
        for (int c = 0; c < k; c++)
        for (int o = 0; o < e; o++)
        {
            double s = bias[o];
            for (int i = 0; i < d; i++) s += (double)table[c * d + i] * w[o * d + i];
            t0[c * e + o] = (float)s;
        }
        return t0;
    }
}
