namespace MFuser.Scenes;

/// <summary>Accumulates, over many label maps, how many pixels each train id covers and in how many maps it
/// appears. Used for data-set indexes, the documented class-frequency table and the tests.</summary>
public sealed class ClassStatistics
{
    private readonly long[] pixels = new long[256];
    private readonly int[] maps = new int[256];
    private readonly bool[] seen = new bool[256];

    public int Maps { get; private set; }
    public long Pixels { get; private set; }

    public void Add(ReadOnlySpan<byte> labels)
    {
        Array.Clear(seen);
        foreach (var l in labels) { pixels[l]++; seen[l] = true; }
        for (var c = 0; c < 256; c++) if (seen[c]) maps[c]++;
        Maps++;
        Pixels += labels.Length;
    }

    /// <summary>Merges another accumulator (e.g. one per thread) into this one.</summary>
    public void Add(ClassStatistics other)
    {
        for (var c = 0; c < 256; c++) { pixels[c] += other.pixels[c]; maps[c] += other.maps[c]; }
        Maps += other.Maps;
        Pixels += other.Pixels;
    }

    /// <summary>Fraction of all pixels labelled <paramref name="id"/>.</summary>
    public double Fraction(int id) => Pixels == 0 ? 0 : pixels[id] / (double)Pixels;

    /// <summary>Number of label maps in which <paramref name="id"/> occurs at least once.</summary>
    public int MapsWith(int id) => maps[id];
}
