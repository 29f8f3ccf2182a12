namespace MFuser.Scenes.Randomness;

/// <summary>A precomputed, tileable 256×256 texture of smooth value noise (two octaves), sampled bilinearly:
/// a few memory reads instead of four hashes per pixel. Built once from a fixed seed, so it is identical
/// everywhere; callers decorrelate uses by offsetting coordinates.</summary>
public static class NoiseTexture
{
    private const int Size = 256, Mask = Size - 1;
    private static readonly float[] Texels = Build();

    private static float[] Build()
    {
        var t = new float[Size * Size];
        for (var y = 0; y < Size; y++)
        for (var x = 0; x < Size; x++)
        {
            // Lattice periods divide 256, so the texture tiles seamlessly.
            var a = Lattice(x / 8f, y / 8f, 32, 0x51u);
            var b = Lattice(x / 4f, y / 4f, 64, 0x52u);
            t[y * Size + x] = 0.7f * a + 0.3f * b;
        }
        return t;
    }

    private static float Lattice(float x, float y, int period, uint seed)
    {
        int xi = (int)x, yi = (int)y;
        float tx = x - xi, ty = y - yi;
        tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty);
        float H(int i, int j) => Hash.Unit(i % period, j % period, seed);
        var a = H(xi, yi); var b = H(xi + 1, yi); var c = H(xi, yi + 1); var d = H(xi + 1, yi + 1);
        return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
    }

    /// <summary>Smooth noise in [0, 1) with features about one unit across, like <see cref="Hash.Value"/>;
    /// the seed shifts the window into the texture.</summary>
    public static float Smooth(float x, float y, uint seed) => Sample(x * 8 + (seed & 255), y * 8 + ((seed >> 8) & 255));

    /// <summary>Noise in [0, 1) at (x, y) in texels; smooth over about 8 texels.</summary>
    public static float Sample(float x, float y)
    {
        var xf = MathF.Floor(x); var yf = MathF.Floor(y);
        float tx = x - xf, ty = y - yf;
        int x0 = (int)xf & Mask, y0 = (int)yf & Mask, x1 = (x0 + 1) & Mask, y1 = (y0 + 1) & Mask;
        var t = Texels;
        float a = t[y0 * Size + x0], b = t[y0 * Size + x1], c = t[y1 * Size + x0], d = t[y1 * Size + x1];
        return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
    }
}
