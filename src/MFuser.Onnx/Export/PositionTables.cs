namespace MFuser.Onnx.Export;

/// <summary>
/// Constant tables of the MFuser graph, computed exactly as the TorchSharp model computes them (same formula, same
/// float32/float64 steps), so the exported graph bakes what training used.
/// </summary>
public static class PositionTables
{
    /// <summary>
    /// EVA02 2-D RoPE tables (patches, head_dim) as (cos, sin): per-axis rotary dim head_dim/2 with frequencies
    /// 10000^(−2j/(head_dim/2)), each repeated for an interleaved pair; first half rotates by row, second by column;
    /// positions scaled by pretrainGrid/grid (0 = own grid). Computed in float64, stored float32.
    /// </summary>
    public static (float[] Cos, float[] Sin) Rope2d(int headDim, int gridH, int gridW, int pretrainGrid)
    {
        var axisDim = headDim / 2;
        var freqs = Enumerable.Range(0, axisDim / 2).Select(j => Math.Pow(10000.0, -(2.0 * j) / axisDim)).ToArray();
        double Position(int i, int n) => i * ((pretrainGrid > 0 ? pretrainGrid : n) / (double)n);
        var cos = new float[gridH * gridW * headDim];
        var sin = new float[cos.Length];
        for (var r = 0; r < gridH; r++)
        for (var c = 0; c < gridW; c++)
        {
            var row = (r * gridW + c) * headDim;
            for (var k = 0; k < axisDim; k++)
            {
                var angleRow = Position(r, gridH) * freqs[k / 2];
                var angleCol = Position(c, gridW) * freqs[k / 2];
                cos[row + k] = (float)Math.Cos(angleRow);
                sin[row + k] = (float)Math.Sin(angleRow);
                cos[row + axisDim + k] = (float)Math.Cos(angleCol);
                sin[row + axisDim + k] = (float)Math.Sin(angleCol);
            }
        }
        return (cos, sin);
    }

    /// <summary>
    /// DETR sine position encoding (normalize, scale 2π, temperature 1e4, eps 1e-6) as (h·w, channels) tokens,
    /// channels = [pos_y (channels/2), pos_x (channels/2)], each with sin on even and cos on odd channels.
    /// </summary>
    public static float[] Sine(int h, int w, int channels)
    {
        var feats = channels / 2;
        var yDiv = (float)(h + 1e-6);
        var xDiv = (float)(w + 1e-6);
        const float scale = (float)(2 * Math.PI);
        var dimT = new float[feats];
        for (var k = 0; k < feats; k++) dimT[k] = MathF.Pow(10000f, 2 * MathF.Floor(k / 2f) / feats);
        var table = new float[h * w * channels];
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        {
            var y = (i + 1) / yDiv * scale;
            var x = (j + 1) / xDiv * scale;
            var row = (i * w + j) * channels;
            for (var k = 0; k < feats; k++)
            {
                table[row + k] = k % 2 == 0 ? MathF.Sin(y / dimT[k]) : MathF.Cos(y / dimT[k]);
                table[row + feats + k] = k % 2 == 0 ? MathF.Sin(x / dimT[k]) : MathF.Cos(x / dimT[k]);
            }
        }
        return table;
    }

    /// <summary>Deformable-attention reference points ((x + 0.5)/w, (y + 0.5)/h), row-major, as (h·w, 2).</summary>
    public static float[] ReferencePoints(int h, int w)
    {
        var points = new float[h * w * 2];
        for (var i = 0; i < h; i++)
        for (var j = 0; j < w; j++)
        {
            points[(i * w + j) * 2] = (j + 0.5f) / w;
            points[(i * w + j) * 2 + 1] = (i + 0.5f) / h;
        }
        return points;
    }
}
