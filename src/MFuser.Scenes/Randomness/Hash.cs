namespace MFuser.Scenes.Randomness;

/// <summary>Stateless integer hashing for per-pixel texture noise and seed derivation.</summary>
public static class Hash
{
    /// <summary>Combines values into a well-mixed 64-bit seed.</summary>
    public static ulong Mix(ulong a, ulong b, ulong c = 0)
    {
        var h = a * 0x9E3779B97F4A7C15UL ^ (b + 0x632BE59BD9B4E019UL) * 0xC2B2AE3D27D4EB4FUL ^ c * 0x165667B19E3779F9UL;
        h ^= h >> 29; h *= 0xBF58476D1CE4E5B9UL; h ^= h >> 32;
        return h;
    }

    /// <summary>32-bit hash of a 2-D lattice point and a seed.</summary>
    public static uint U32(int x, int y, uint seed)
    {
        var h = (uint)x * 0x8DA6B343u ^ (uint)y * 0xD8163841u ^ seed * 0xCB1AB31Fu;
        h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12; h *= 0x297A2D39u; h ^= h >> 15;
        return h;
    }

    /// <summary>Hash of a lattice point as a float in [0, 1).</summary>
    public static float Unit(int x, int y, uint seed) => (U32(x, y, seed) >> 8) * (1f / (1 << 24));

    /// <summary>Smooth value noise in [0, 1): bilinear interpolation of lattice hashes with a smoothstep.</summary>
    public static float Value(float x, float y, uint seed)
    {
        var xf = MathF.Floor(x); var yf = MathF.Floor(y);
        int xi = (int)xf, yi = (int)yf;
        float tx = x - xf, ty = y - yf;
        tx = tx * tx * (3 - 2 * tx); ty = ty * ty * (3 - 2 * ty);
        var a = Unit(xi, yi, seed); var b = Unit(xi + 1, yi, seed);
        var c = Unit(xi, yi + 1, seed); var d = Unit(xi + 1, yi + 1, seed);
        return a + (b - a) * tx + (c - a) * ty + (a - b - c + d) * tx * ty;
    }
}
