namespace MFuser.Scenes.World;

/// <summary>The chunks around the camera, regenerated only when the view moves past them. A fixed pool of
/// <see cref="Chunk"/> objects is recycled, so a continuous drive allocates nothing in steady state.</summary>
public sealed class ChunkCache(WorldGenerator generator)
{
    private const int Slots = 16;
    private readonly Chunk[] slots = Enumerable.Range(0, Slots).Select(_ => new Chunk()).ToArray();

    public WorldGenerator Generator { get; } = generator;

    /// <summary>Forgets every chunk (after the generator's seed changed).</summary>
    public void Invalidate()
    {
        foreach (var c in slots) c.Index = long.MinValue;
    }

    public Chunk At(double s) => Get((long)Math.Floor(s / Chunk.Length));

    public Chunk Get(long index)
    {
        var slot = slots[(int)(((index % Slots) + Slots) % Slots)];
        if (slot.Index != index) Generator.Fill(slot, index);
        return slot;
    }
}
