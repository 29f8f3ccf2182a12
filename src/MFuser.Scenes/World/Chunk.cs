namespace MFuser.Scenes.World;

/// <summary>What lies beyond the sidewalk on one side of a road chunk.</summary>
public enum Zone : byte
{
    /// <summary>Buildings behind a paved or grassy front strip.</summary>
    Urban,
    /// <summary>Grass, trees and hedges.</summary>
    Green,
    /// <summary>A wall or fence along the sidewalk with grass behind it.</summary>
    Walled,
}

/// <summary>The static content of one stretch of road (<see cref="Chunk.Length"/> metres), generated from
/// (seed, index) alone so any part of an endless road can be rebuilt in any order.</summary>
public sealed class Chunk
{
    public const float Length = 32f;

    public long Index { get; internal set; } = long.MinValue;
    public double Start => Index * (double)Length;

    public Zone LeftZone, RightZone;
    /// <summary>True where the strip between sidewalk and facade is paved (sidewalk), false for grass (terrain).</summary>
    public bool LeftPaved, RightPaved;
    /// <summary>Distance of building facades from the centre line, per side.</summary>
    public float LeftFacade, RightFacade;

    /// <summary>A side street crosses at arc length <see cref="CrossingS"/> (centre) with the given half width.</summary>
    public bool HasCrossing;
    public double CrossingS;
    public float CrossingHalfWidth;
    /// <summary>A zebra crossing on the main road just before the side street.</summary>
    public bool HasZebra;

    public readonly List<WorldObject> Objects = new(64);

    public Zone ZoneOf(float side) => side < 0 ? LeftZone : RightZone;
    public float FacadeOf(float side) => side < 0 ? LeftFacade : RightFacade;
}
