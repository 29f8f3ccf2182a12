namespace MFuser.ModelPackage.Classes;

/// <summary>Cityscapes 19-class train ids: the value of every label-map pixel a model package emits and every
/// synthetic label the scene renderer writes (docs/model-contract.md); 255 marks no class.</summary>
public static class TrainIds
{
    public const byte Road = 0, Sidewalk = 1, Building = 2, Wall = 3, Fence = 4, Pole = 5, TrafficLight = 6,
        TrafficSign = 7, Vegetation = 8, Terrain = 9, Sky = 10, Person = 11, Rider = 12, Car = 13, Truck = 14,
        Bus = 15, Train = 16, Motorcycle = 17, Bicycle = 18, Ignore = 255;

    /// <summary>Number of classes (ids 0..Count-1).</summary>
    public const int Count = 19;

    /// <summary>Class names in train-id order.</summary>
    public static IReadOnlyList<string> Names => Cityscapes.Names;
}
