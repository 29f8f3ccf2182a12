namespace MFuser.Training.Augmentation;

/// <summary>The random choices of one <see cref="PhotoMetricDistortion"/> application (null = step skipped).</summary>
public sealed record PhotometricDraw(double? Brightness, bool ContrastFirst, double? Contrast, double? Saturation, int? Hue);

/// <summary>
/// mmseg <c>PhotoMetricDistortion</c>, in its order and ranges: brightness (add U(−δb, δb)); then, by a fair coin
/// (mmseg's <c>mode</c>), contrast (multiply by U(lo, hi)) either first or last; saturation (HSV S channel × U(lo, hi));
/// hue (H + randint(−δh, δh), exclusive upper bound as numpy's, mod 180). Each step happens with probability 0.5;
/// every step clips to 0..255 and truncates to bytes (mmcv <c>convert</c>). Labels are untouched.
/// </summary>
public sealed record PhotoMetricDistortion(
    int BrightnessDelta = 32, double ContrastLower = 0.5, double ContrastUpper = 1.5,
    double SaturationLower = 0.5, double SaturationUpper = 1.5, int HueDelta = 18)
{
    public PhotometricDraw Sample(Random rng)
    {
        double? brightness = Coin(rng) ? Uniform(rng, -BrightnessDelta, BrightnessDelta) : null;
        bool contrastFirst = Coin(rng);
        double? Contrast() => Coin(rng) ? Uniform(rng, ContrastLower, ContrastUpper) : null;
        double? contrast = contrastFirst ? Contrast() : null;
        double? saturation = Coin(rng) ? Uniform(rng, SaturationLower, SaturationUpper) : null;
        int? hue = Coin(rng) ? rng.Next(-HueDelta, HueDelta) : null;
        if (!contrastFirst) contrast = Contrast();
        return new PhotometricDraw(brightness, contrastFirst, contrast, saturation, hue);
    }

    public Frame Apply(Frame f, Random rng) => Apply(f, Sample(rng));

    /// <summary>Applies a given draw (steps in mmseg's order); the labels array is shared with the input.</summary>
    public static Frame Apply(Frame f, PhotometricDraw d)
    {
        var img = (byte[])f.Bgr.Clone();
        if (d.Brightness is { } beta) Affine(img, 1, beta);
        if (d.ContrastFirst && d.Contrast is { } a1) Affine(img, a1, 0);
        if (d.Saturation is { } s) Saturation(img, s);
        if (d.Hue is { } h) Hue(img, h);
        if (!d.ContrastFirst && d.Contrast is { } a2) Affine(img, a2, 0);
        return new Frame(f.Width, f.Height, img, f.Labels);
    }

    /// <summary>mmcv <c>convert</c>: x·α + β, clipped to 0..255, truncated to a byte; in place.</summary>
    public static void Affine(Span<byte> values, double alpha, double beta)
    {
        float a = (float)alpha, b = (float)beta;
        for (int i = 0; i < values.Length; i++) values[i] = (byte)Math.Clamp(values[i] * a + b, 0f, 255f);
    }

    /// <summary>Scales the HSV saturation of a BGR image by <paramref name="alpha"/>; in place.</summary>
    public static void Saturation(byte[] bgr, double alpha)
    {
        Hsv.FromBgr(bgr, bgr);
        float a = (float)alpha;
        for (int i = 1; i < bgr.Length; i += 3) bgr[i] = (byte)Math.Clamp(bgr[i] * a, 0f, 255f);
        Hsv.ToBgr(bgr, bgr);
    }

    /// <summary>Shifts the HSV hue (0..179) of a BGR image by <paramref name="delta"/> modulo 180; in place.</summary>
    public static void Hue(byte[] bgr, int delta)
    {
        Hsv.FromBgr(bgr, bgr);
        for (int i = 0; i < bgr.Length; i += 3) bgr[i] = (byte)(((bgr[i] + delta) % 180 + 180) % 180);
        Hsv.ToBgr(bgr, bgr);
    }

    private static bool Coin(Random rng) => rng.Next(2) == 1;
    private static double Uniform(Random rng, double lo, double hi) => lo + rng.NextDouble() * (hi - lo);
}
