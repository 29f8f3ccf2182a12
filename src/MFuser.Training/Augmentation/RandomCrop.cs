namespace MFuser.Training.Augmentation;

/// <summary>
/// mmseg <c>RandomCrop</c> with <c>cat_max_ratio</c>: a crop of at most <see cref="Width"/>×<see cref="Height"/>
/// (clipped to the frame) at a uniformly random offset; up to 10 times a new offset is drawn while the crop's most
/// frequent class covers ≥ <see cref="CatMaxRatio"/> of its labelled pixels or only one class is present (after 10
/// redraws the last one is kept). 255 does not count. A frame smaller than the crop is returned whole (Pad follows).
/// </summary>
public sealed record RandomCrop(int Width, int Height, double CatMaxRatio = 0.75, int Attempts = 10)
{
    public Frame Apply(Frame f, Random rng)
    {
        int w = Math.Min(Width, f.Width), h = Math.Min(Height, f.Height);
        var (x, y) = Offset(f, w, h, rng);
        if (CatMaxRatio < 1)
        {
            for (int i = 0; i < Attempts && !Acceptable(f, x, y, w, h); i++) (x, y) = Offset(f, w, h, rng);
        }
        return f.Crop(x, y, w, h);
    }

    private static (int X, int Y) Offset(Frame f, int w, int h, Random rng)
    {
        int y = rng.Next(f.Height - h + 1), x = rng.Next(f.Width - w + 1);
        return (x, y);
    }

    /// <summary>True when the crop holds more than one class and none covers <see cref="CatMaxRatio"/> or more.</summary>
    public bool Acceptable(Frame f, int x0, int y0, int w, int h)
    {
        Span<int> counts = stackalloc int[256];
        for (int y = y0; y < y0 + h; y++)
        {
            int row = y * f.Width;
            for (int x = x0; x < x0 + w; x++) counts[f.Labels[row + x]]++;
        }
        int classes = 0, max = 0; long total = 0;
        for (int c = 0; c < Frame.Ignore; c++)
        {
            if (counts[c] == 0) continue;
            classes++; total += counts[c]; max = Math.Max(max, counts[c]);
        }
        return classes > 1 && max < CatMaxRatio * total;
    }
}
