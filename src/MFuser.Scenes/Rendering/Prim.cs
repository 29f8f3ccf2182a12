namespace MFuser.Scenes.Rendering;

/// <summary>How a primitive covers the screen.</summary>
public enum PrimShape : byte
{
    /// <summary>A vertical quad between two ground points (X0,Z0)–(X1,Z1), from height Y0 to Y1.</summary>
    Quad,
    /// <summary>A camera-facing rectangle at depth Z0, centred at X0 with half width X1, from Y0 to Y1; the
    /// material may cut a silhouette out of it (crowns, heads, wheels, signs).</summary>
    Billboard,
    /// <summary>A contact shadow on the ground over the footprint X0..X1 × Z0..Z1: darkens ground pixels only.</summary>
    Shadow,
}

/// <summary>One drawable piece of an object in camera coordinates (X right, Y up from the ground, Z forward).
/// Texture coordinates are in metres: along the surface (U0 at the first end, U1 at the second) and height.</summary>
public struct Prim
{
    public PrimShape Shape;
    public byte Label;
    public Material Material;
    public float X0, Z0, X1, Z1, Y0, Y1, U0, U1;
    /// <summary>Fraction of direct sunlight the surface receives (orientation to the sun), 0..1.</summary>
    public float Sun;
    public uint Seed;
}

/// <summary>A point light for night and dusk: lights nearby surfaces and draws a glow where visible.</summary>
public struct PointLight
{
    public float X, Y, Z, R, G, B;
    /// <summary>Reach of the illumination (metres); zero for lights that only glow (tail lights).</summary>
    public float Reach;
    /// <summary>Glow radius at 1 m distance (metres).</summary>
    public float GlowSize;
}
