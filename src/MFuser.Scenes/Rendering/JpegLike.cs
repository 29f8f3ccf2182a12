namespace MFuser.Scenes.Rendering;

/// <summary>JPEG-style lossy compression in place: luma in 8×8 blocks through a DCT quantised with the standard
/// JPEG luminance table at a given quality, chroma averaged over 2×2 pixels. Produces the block and ringing
/// artefacts of a cheap camera's compressed stream without an encoder.</summary>
public static class JpegLike
{
    private static readonly float[] Basis = BuildBasis();
    private static readonly float[] BasisTransposed = Transpose(Basis);
    private static readonly int[] LumaTable =
    [
        16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
        14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
        49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
    ];

    private static float[] Transpose(float[] m)
    {
        var t = new float[64];
        for (var r = 0; r < 8; r++)
        for (var c = 0; c < 8; c++)
            t[c * 8 + r] = m[r * 8 + c];
        return t;
    }

    private static float[] BuildBasis()
    {
        var b = new float[64];
        for (var k = 0; k < 8; k++)
        for (var n = 0; n < 8; n++)
            b[k * 8 + n] = (k == 0 ? MathF.Sqrt(1f / 8) : MathF.Sqrt(2f / 8)) * MathF.Cos((2 * n + 1) * k * MathF.PI / 16);
        return b;
    }

    /// <summary>Compresses an interleaved RGB float image (0..1) in place.</summary>
    public static void Compress(float[] rgb, int width, int height, int quality)
    {
        var scale = quality < 50 ? 5000f / quality : 200f - 2 * quality;
        Span<float> q = stackalloc float[64];
        for (var i = 0; i < 64; i++) q[i] = Math.Clamp((LumaTable[i] * scale + 50) / 100f, 1, 255) / 255f;
        Span<float> block = stackalloc float[64];
        Span<float> tmp = stackalloc float[64];
        Span<float> original = stackalloc float[64];
        for (var by = 0; by + 8 <= height; by += 8)
        for (var bx = 0; bx + 8 <= width; bx += 8)
        {
            for (var y = 0; y < 8; y++)
            for (var x = 0; x < 8; x++)
            {
                var i = ((by + y) * width + bx + x) * 3;
                block[y * 8 + x] = 0.299f * rgb[i] + 0.587f * rgb[i + 1] + 0.114f * rgb[i + 2];
            }
            block.CopyTo(original);
            Transform(block, tmp, forward: true);
            for (var i = 0; i < 64; i++) block[i] = MathF.Round(block[i] / q[i]) * q[i];
            Transform(block, tmp, forward: false);
            for (var y = 0; y < 8; y++)
            for (var x = 0; x < 8; x++)
            {
                var i = ((by + y) * width + bx + x) * 3;
                var delta = block[y * 8 + x] - original[y * 8 + x];
                rgb[i] += delta; rgb[i + 1] += delta; rgb[i + 2] += delta;
            }
        }
        SubsampleChroma(rgb, width, height);
    }

    /// <summary>Separable 2-D DCT-II (forward) or its inverse on an 8×8 block.</summary>
    private static void Transform(Span<float> block, Span<float> tmp, bool forward)
    {
        ReadOnlySpan<float> basis = forward ? Basis : BasisTransposed;
        for (var pass = 0; pass < 2; pass++)
        {
            for (var r = 0; r < 8; r++)
            {
                var row = block.Slice(r * 8, 8);
                for (var k = 0; k < 8; k++)
                {
                    var b = basis.Slice(k * 8, 8);
                    var sum = row[0] * b[0] + row[1] * b[1] + row[2] * b[2] + row[3] * b[3]
                        + row[4] * b[4] + row[5] * b[5] + row[6] * b[6] + row[7] * b[7];
                    tmp[k * 8 + r] = sum; // transposed, so the second pass works on columns
                }
            }
            tmp.CopyTo(block);
        }
    }

    private static void SubsampleChroma(float[] rgb, int width, int height)
    {
        for (var y = 0; y + 1 < height; y += 2)
        for (var x = 0; x + 1 < width; x += 2)
        {
            Span<int> idx = [(y * width + x) * 3, (y * width + x + 1) * 3, ((y + 1) * width + x) * 3, ((y + 1) * width + x + 1) * 3];
            float cb = 0, cr = 0;
            foreach (var i in idx)
            {
                var l = 0.299f * rgb[i] + 0.587f * rgb[i + 1] + 0.114f * rgb[i + 2];
                cb += rgb[i + 2] - l; cr += rgb[i] - l;
            }
            cb *= 0.25f; cr *= 0.25f;
            foreach (var i in idx)
            {
                var l = 0.299f * rgb[i] + 0.587f * rgb[i + 1] + 0.114f * rgb[i + 2];
                // Rebuild RGB from luma and the shared chroma (BT.601 difference form).
                rgb[i] = l + cr;
                rgb[i + 2] = l + cb;
                rgb[i + 1] = (l - 0.299f * rgb[i] - 0.114f * rgb[i + 2]) / 0.587f;
            }
        }
    }
}
