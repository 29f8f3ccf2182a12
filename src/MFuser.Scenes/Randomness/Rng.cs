namespace MFuser.Scenes.Randomness;

/// <summary>SplitMix64: a small, fully specified PRNG, so that scenes are identical on every runtime
/// (System.Random's algorithm is not part of its contract).</summary>
public struct Rng
{
    private ulong state;

    public Rng(ulong seed) => state = seed;

    /// <summary>A generator for one named stream of a seed (e.g. a chunk of road, an agent, a frame's noise).</summary>
    public static Rng For(long seed, long stream, long salt = 0) => new(Hash.Mix((ulong)seed, (ulong)stream, (ulong)salt));

    public ulong NextUInt64()
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 24 bits of precision.</summary>
    public float NextFloat() => (NextUInt64() >> 40) * (1f / (1 << 24));

    /// <summary>Uniform in [min, max).</summary>
    public float Range(float min, float max) => min + (max - min) * NextFloat();

    /// <summary>Uniform integer in [min, maxExclusive).</summary>
    public int Int(int min, int maxExclusive) => min + (int)((NextUInt64() >> 33) % (ulong)(maxExclusive - min));

    public bool Chance(float probability) => NextFloat() < probability;

    /// <summary>+1 or -1 with equal probability.</summary>
    public float Sign() => Chance(0.5f) ? 1f : -1f;
}
