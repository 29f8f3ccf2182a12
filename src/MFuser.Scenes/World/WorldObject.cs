namespace MFuser.Scenes.World;

/// <summary>What a world object is; decides its class and how it is built from primitives.</summary>
public enum ObjectKind : byte
{
    Building, Wall, Fence, Hedge, Tree, StreetLamp, SignPost, TrafficLight,
    Car, Truck, Bus, Tram, Motorcycle, Bicycle, Pedestrian,
}

/// <summary>One object in road coordinates: <see cref="S"/> is the arc length of its near end (or centre for
/// thin objects), <see cref="D"/> the lateral offset of its centre. Sizes are in metres: Length along the road,
/// Width across it. Vehicles carry a <see cref="Direction"/> (+1 with the ego vehicle, -1 oncoming) and a speed;
/// riders sit on motorcycles and bicycles whose <see cref="Ridden"/> flag is set.</summary>
public struct WorldObject
{
    public ObjectKind Kind;
    public double S;
    public float D, Length, Width, Height;
    /// <summary>Per-object variation (colour, style, pose).</summary>
    public uint Seed;
    public sbyte Direction;
    public bool Ridden;
    /// <summary>Along-road speed in m/s (signed in road coordinates); lateral speed for crossing pedestrians.</summary>
    public float Speed, LateralSpeed;
    /// <summary>Walking phase (radians) for pedestrians, wheel phase for vehicles.</summary>
    public float Phase;
}
