using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>One seed's endless street: its road plan, the static content generated chunk by chunk, the moving
/// traffic and the ego vehicle's lane. Reusable across seeds without allocating.</summary>
public sealed class SceneWorld
{
    public SceneWorld()
    {
        Road = new RoadLayout();
        Generator = new WorldGenerator(Road);
        Chunks = new ChunkCache(Generator);
        Traffic = new Traffic(Road);
    }

    public RoadLayout Road { get; }
    public WorldGenerator Generator { get; }
    public ChunkCache Chunks { get; }
    public Traffic Traffic { get; }
    public long Seed { get; private set; }
    /// <summary>The ego lane (on the right-hand side) and the camera's lateral position in it.</summary>
    public int EgoLane { get; private set; }
    public float EgoOffset { get; private set; }

    public void Reset(long seed, float egoSpeed, double egoS)
    {
        Seed = seed;
        Road.Reset(seed);
        Generator.Seed = seed;
        Chunks.Invalidate();
        var rng = Rng.For(seed, 4);
        EgoLane = rng.Int(0, Road.LanesPerDirection);
        EgoOffset = Road.LaneCentre(EgoLane, 1) + rng.Range(-0.35f, 0.35f);
        Traffic.Reset(seed, EgoLane, egoSpeed, egoS);
    }
}
