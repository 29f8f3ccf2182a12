namespace MFuser.Training.Augmentation;

/// <summary>
/// OpenCV's 8-bit BGR ↔ HSV conversion (COLOR_BGR2HSV / COLOR_HSV2BGR): H in 0..179 (degrees / 2), S and V in
/// 0..255. BGR→HSV uses OpenCV's fixed-point tables (12-bit shift), HSV→BGR its vectorised float sector formula,
/// so mmcv's <c>bgr2hsv</c>/<c>hsv2bgr</c> in PhotoMetricDistortion are reproduced pixel for pixel.
/// </summary>
public static class Hsv
{
    private const int Shift = 12;
    private static readonly int[] SDiv = new int[256], HDiv = new int[256];

    static Hsv()
    {
        for (int i = 1; i < 256; i++)
        {
            SDiv[i] = (int)Math.Round((255 << Shift) / (1.0 * i), MidpointRounding.ToEven);
            HDiv[i] = (int)Math.Round((180 << Shift) / (6.0 * i), MidpointRounding.ToEven);
        }
    }

    /// <summary>Converts <paramref name="bgr"/> (interleaved) into <paramref name="hsv"/> (interleaved); may alias.</summary>
    public static void FromBgr(ReadOnlySpan<byte> bgr, Span<byte> hsv)
    {
        for (int i = 0; i < bgr.Length; i += 3)
        {
            int b = bgr[i], g = bgr[i + 1], r = bgr[i + 2];
            int v = Math.Max(b, Math.Max(g, r)), vmin = Math.Min(b, Math.Min(g, r));
            int diff = v - vmin;
            int vr = v == r ? -1 : 0, vg = v == g ? -1 : 0;
            int s = (diff * SDiv[v] + (1 << (Shift - 1))) >> Shift;
            int h = (vr & (g - b)) + (~vr & ((vg & (b - r + 2 * diff)) + (~vg & (r - g + 4 * diff))));
            h = (h * HDiv[diff] + (1 << (Shift - 1))) >> Shift;
            if (h < 0) h += 180;
            hsv[i] = (byte)Math.Clamp(h, 0, 255); hsv[i + 1] = (byte)s; hsv[i + 2] = (byte)v;
        }
    }

    /// <summary>Converts <paramref name="hsv"/> (interleaved, H 0..179) into <paramref name="bgr"/>; may alias.
    /// Follows OpenCV 4's vectorised 8-bit path: S and V scaled by 1/255, sector = ⌊6H/180⌋ mod 6, ×255, truncated.</summary>
    public static void ToBgr(ReadOnlySpan<byte> hsv, Span<byte> bgr)
    {
        const float hscale = 6f / 180f, inv255 = 1f / 255f;
        for (int i = 0; i < hsv.Length; i += 3)
        {
            float s = hsv[i + 1] * inv255, v = hsv[i + 2] * inv255;
            float h = hsv[i] * hscale;
            float pre = MathF.Truncate(h);
            h -= pre;
            float tab0 = v, tab1 = v * (1f - s), tab2 = v * (1f - s * h), tab3 = v * (1f - s * (1f - h));
            int sector = (int)(pre - MathF.Truncate(pre * (1f / 6f)) * 6f);
            var (b, g, r) = sector switch
            {
                0 => (tab1, tab3, tab0),
                1 => (tab1, tab0, tab2),
                2 => (tab3, tab0, tab1),
                3 => (tab0, tab2, tab1),
                4 => (tab0, tab1, tab3),
                _ => (tab2, tab1, tab0),
            };
            bgr[i] = Truncate(b * 255f); bgr[i + 1] = Truncate(g * 255f); bgr[i + 2] = Truncate(r * 255f);
        }
    }

    private static byte Truncate(float x) => (byte)Math.Clamp((int)x, 0, 255);
}
