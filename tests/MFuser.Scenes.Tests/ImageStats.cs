using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Scenes.Tests;

/// <summary>Image statistics on BGR frames, in 0..255 luma units.</summary>
internal static class ImageStats
{
    public static float[] Luma(byte[] bgr)
    {
        var l = new float[bgr.Length / 3];
        for (var i = 0; i < l.Length; i++) l[i] = 0.114f * bgr[i * 3] + 0.587f * bgr[i * 3 + 1] + 0.299f * bgr[i * 3 + 2];
        return l;
    }

    public static double Mean(float[] l) => l.Average();

    /// <summary>Local contrast: the mean over 8×8 blocks of the luma standard deviation inside the block (how
    /// visible structure is; unlike a global RMS it is not dominated by a bright sky against a dark road).</summary>
    public static double LocalContrast(float[] l, int w, int h)
    {
        double sum = 0;
        var blocks = 0;
        for (var by = 0; by + 8 <= h; by += 8)
        for (var bx = 0; bx + 8 <= w; bx += 8)
        {
            double s1 = 0, s2 = 0;
            for (var y = by; y < by + 8; y++)
            for (var x = bx; x < bx + 8; x++)
            {
                var v = l[y * w + x];
                s1 += v; s2 += v * v;
            }
            var m = s1 / 64;
            sum += Math.Sqrt(Math.Max(0, s2 / 64 - m * m));
            blocks++;
        }
        return sum / blocks;
    }

    /// <summary>High-frequency noise floor: the median absolute 4-neighbour Laplacian of luma (the median ignores
    /// the minority of pixels on object edges and measures grain and noise).</summary>
    public static double HighFrequency(float[] l, int w, int h)
    {
        var values = new float[(w - 2) * (h - 2)];
        var n = 0;
        for (var y = 1; y < h - 1; y++)
        for (var x = 1; x < w - 1; x++)
        {
            var i = y * w + x;
            values[n++] = Math.Abs(4 * l[i] - l[i - 1] - l[i + 1] - l[i - w] - l[i + w]);
        }
        Array.Sort(values);
        return values[n / 2];
    }
}
