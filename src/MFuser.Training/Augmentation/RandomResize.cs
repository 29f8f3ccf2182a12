namespace MFuser.Training.Augmentation;

/// <summary>
/// mmseg <c>Resize</c> with <c>ratio_range</c> and <c>keep_ratio</c>: the frame is rescaled by a ratio drawn
/// uniformly from [<see cref="MinRatio"/>, <see cref="MaxRatio"/>] (new side = ⌊side·ratio + 0.5⌋); the image
/// bilinearly (OpenCV INTER_LINEAR: half-pixel centres, edge clamp, no anti-aliasing), the labels by nearest
/// neighbour with half-pixel centres (INTER_NEAREST_EXACT: source ⌊(dst + ½)·scale⌋), so no label value is ever
/// invented and labels stay on their pixels. (mmcv's INTER_NEAREST, ⌊dst·scale⌋, shifts the labels by up to half a
/// source pixel against the image when upscaling; docs/training.md.)
/// </summary>
public sealed record RandomResize(double MinRatio = 0.5, double MaxRatio = 2.0)
{
    public double SampleRatio(Random rng) => MinRatio + rng.NextDouble() * (MaxRatio - MinRatio);

    public static (int Width, int Height) ScaledSize(int width, int height, double ratio) =>
        (Math.Max(1, (int)(width * ratio + 0.5)), Math.Max(1, (int)(height * ratio + 0.5)));

    public Frame Apply(Frame f, Random rng)
    {
        var (w, h) = ScaledSize(f.Width, f.Height, SampleRatio(rng));
        return Resize(f, w, h);
    }

    /// <summary>Resizes to exactly <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static Frame Resize(Frame f, int width, int height)
    {
        if (width == f.Width && height == f.Height) return new Frame(width, height, (byte[])f.Bgr.Clone(), (byte[])f.Labels.Clone());
        var r = new Frame(width, height);
        double sx = (double)f.Width / width, sy = (double)f.Height / height;
        var x0 = new int[width]; var x1 = new int[width]; var wx = new float[width];
        for (int x = 0; x < width; x++) (x0[x], x1[x], wx[x]) = Tap(x, sx, f.Width);
        var nearestX = new int[width];
        for (int x = 0; x < width; x++) nearestX[x] = Math.Min((int)Math.Floor((x + 0.5) * sx), f.Width - 1);
        var src = f.Bgr; var dst = r.Bgr;
        for (int y = 0; y < height; y++)
        {
            var (y0, y1, wy) = Tap(y, sy, f.Height);
            int row0 = y0 * f.Width, row1 = y1 * f.Width, o = y * width;
            for (int x = 0; x < width; x++)
            {
                int a = (row0 + x0[x]) * 3, b = (row0 + x1[x]) * 3, c = (row1 + x0[x]) * 3, d = (row1 + x1[x]) * 3;
                float u = wx[x];
                for (int ch = 0; ch < 3; ch++)
                {
                    float top = src[a + ch] + (src[b + ch] - src[a + ch]) * u;
                    float bottom = src[c + ch] + (src[d + ch] - src[c + ch]) * u;
                    dst[(o + x) * 3 + ch] = (byte)(top + (bottom - top) * wy + 0.5f);
                }
            }
            int ny = Math.Min((int)Math.Floor((y + 0.5) * sy), f.Height - 1) * f.Width;
            for (int x = 0; x < width; x++) r.Labels[o + x] = f.Labels[ny + nearestX[x]];
        }
        return r;
    }

    /// <summary>Bilinear source taps of destination index <paramref name="d"/> (half-pixel centres, clamped).</summary>
    private static (int I0, int I1, float W) Tap(int d, double scale, int size)
    {
        double s = (d + 0.5) * scale - 0.5;
        if (s <= 0) return (0, 0, 0);
        int i = (int)Math.Floor(s);
        if (i >= size - 1) return (size - 1, size - 1, 0);
        return (i, i + 1, (float)(s - i));
    }
}
