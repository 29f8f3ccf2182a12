namespace MFuser.ModelPackage.Classes;

/// <summary>The Cityscapes 19-class train-id table every MFuser package follows (docs/model-contract.md): the one
/// copy in the repository, used by the daemon, the exporter, the trainer and the scene tools.</summary>
public static class Cityscapes
{
    /// <summary>Label value for pixels that belong to no class.</summary>
    public const byte Ignore = TrainIds.Ignore;

    /// <summary>The 19 classes in train-id order with Cityscapes' own colours; only <c>road</c> is drivable.</summary>
    public static IReadOnlyList<ClassInfo> Classes { get; } =
    [
        new(TrainIds.Road, "road", new(128, 64, 128), true),
        new(TrainIds.Sidewalk, "sidewalk", new(244, 35, 232), false),
        new(TrainIds.Building, "building", new(70, 70, 70), false),
        new(TrainIds.Wall, "wall", new(102, 102, 156), false),
        new(TrainIds.Fence, "fence", new(190, 153, 153), false),
        new(TrainIds.Pole, "pole", new(153, 153, 153), false),
        new(TrainIds.TrafficLight, "traffic light", new(250, 170, 30), false),
        new(TrainIds.TrafficSign, "traffic sign", new(220, 220, 0), false),
        new(TrainIds.Vegetation, "vegetation", new(107, 142, 35), false),
        new(TrainIds.Terrain, "terrain", new(152, 251, 152), false),
        new(TrainIds.Sky, "sky", new(70, 130, 180), false),
        new(TrainIds.Person, "person", new(220, 20, 60), false),
        new(TrainIds.Rider, "rider", new(255, 0, 0), false),
        new(TrainIds.Car, "car", new(0, 0, 142), false),
        new(TrainIds.Truck, "truck", new(0, 0, 70), false),
        new(TrainIds.Bus, "bus", new(0, 60, 100), false),
        new(TrainIds.Train, "train", new(0, 80, 100), false),
        new(TrainIds.Motorcycle, "motorcycle", new(0, 0, 230), false),
        new(TrainIds.Bicycle, "bicycle", new(119, 11, 32), false),
    ];

    /// <summary>Class names in train-id order.</summary>
    public static IReadOnlyList<string> Names { get; } = Classes.Select(c => c.Name).ToArray();
}
