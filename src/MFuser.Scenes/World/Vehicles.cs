using MFuser.Scenes.Randomness;

namespace MFuser.Scenes.World;

/// <summary>Dimensions of road users by kind (metres), with per-object jitter.</summary>
public static class Vehicles
{
    public static WorldObject Make(ObjectKind kind, ref Rng rng)
    {
        var (length, width, height) = kind switch
        {
            ObjectKind.Car => (rng.Range(3.8f, 4.9f), rng.Range(1.7f, 1.9f), rng.Range(1.4f, 1.65f)),
            ObjectKind.Truck => (rng.Range(6.5f, 10f), 2.45f, rng.Range(2.8f, 3.6f)),
            ObjectKind.Bus => (rng.Range(11f, 13f), 2.55f, rng.Range(3.0f, 3.3f)),
            ObjectKind.Tram => (rng.Range(25f, 32f), 2.4f, 3.4f),
            ObjectKind.Motorcycle => (2.1f, 0.75f, 1.15f),
            ObjectKind.Bicycle => (1.75f, 0.55f, 1.05f),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "not a vehicle"),
        };
        return new WorldObject
        {
            Kind = kind, Length = length, Width = width, Height = height, Seed = (uint)rng.NextUInt64(),
            Phase = rng.Range(0f, 6.283f),
        };
    }
}

/// <summary>Pedestrian dimensions and pose seeds.</summary>
public static class Pedestrians
{
    public static WorldObject Make(ref Rng rng, double s, float d) => new()
    {
        Kind = ObjectKind.Pedestrian, S = s, D = d, Height = rng.Range(1.5f, 1.92f), Width = rng.Range(0.42f, 0.55f),
        Length = 0.3f, Seed = (uint)rng.NextUInt64(), Phase = rng.Range(0f, 6.283f),
    };
}
