namespace MFuser.Onnx.Export;

/// <summary>
/// Export-time float math for the parts of the network that depend on weights alone, written into the graph as
/// constants instead of ops (see <see cref="ContextDecoderWriter"/>). Same definitions as the ONNX ops they replace
/// (LayerNormalization over the last axis with biased variance, Gemm with transB, softmax attention), accumulated in
/// double and rounded once to float. Tensors are row-major, batch 1.
/// </summary>
internal static class WeightMath
{
    /// <summary>LayerNormalization over rows of <paramref name="dim"/> values.</summary>
    public static float[] LayerNorm(float[] x, int dim, float[] scale, float[] bias, float epsilon)
    {
        var y = new float[x.Length];
        for (var r = 0; r < x.Length / dim; r++)
        {
            var row = x.AsSpan(r * dim, dim);
            double mean = 0, variance = 0;
            foreach (var v in row) mean += v;
            mean /= dim;
            foreach (var v in row) variance += (v - mean) * (v - mean);
            var inv = 1 / Math.Sqrt(variance / dim + epsilon);
            for (var c = 0; c < dim; c++) y[r * dim + c] = (float)((row[c] - mean) * inv * scale[c] + bias[c]);
        }
        return y;
    }

    /// <summary>x (rows, in) · Wᵀ + b with W (out, in), as Gemm with transB = 1.</summary>
    public static float[] Linear(float[] x, int inFeatures, float[] weight, int outFeatures, float[]? bias)
    {
        var rows = x.Length / inFeatures;
        var y = new float[rows * outFeatures];
        for (var r = 0; r < rows; r++)
        for (var o = 0; o < outFeatures; o++)
        {
            double sum = bias?[o] ?? 0;
            for (var i = 0; i < inFeatures; i++) sum += (double)x[r * inFeatures + i] * weight[o * inFeatures + i];
            y[r * outFeatures + o] = (float)sum;
        }
        return y;
    }

    /// <summary>Multi-head softmax(q kᵀ/√d) v on (Lq, C) / (Lk, C) tokens, heads side by side in C (no mask).</summary>
    public static float[] Attend(float[] q, float[] k, float[] v, int lq, int lk, int channels, int heads)
    {
        var hd = channels / heads;
        var scale = 1 / Math.Sqrt(hd);
        var o = new float[lq * channels];
        var p = new double[lk];
        for (var h = 0; h < heads; h++)
        for (var i = 0; i < lq; i++)
        {
            var max = double.NegativeInfinity;
            for (var j = 0; j < lk; j++)
            {
                double dot = 0;
                for (var d = 0; d < hd; d++) dot += (double)q[i * channels + h * hd + d] * k[j * channels + h * hd + d];
                p[j] = dot * scale;
                max = Math.Max(max, p[j]);
            }
            double total = 0;
            for (var j = 0; j < lk; j++) total += p[j] = Math.Exp(p[j] - max);
            for (var d = 0; d < hd; d++)
            {
                double sum = 0;
                for (var j = 0; j < lk; j++) sum += p[j] * v[j * channels + h * hd + d];
                o[i * channels + h * hd + d] = (float)(sum / total);
            }
        }
        return o;
    }
}
