namespace MFuser.Edge.Models;

/// <summary>An RGB colour as published in <c>info</c> and used for overlays.</summary>
public readonly record struct Rgb(byte R, byte G, byte B);

/// <summary>One row of a model package's class table: the train id the model emits, its name, display colour and
/// whether a vehicle may drive on it.</summary>
public sealed record ClassInfo(int Id, string Name, Rgb Color, bool Drivable);

/// <summary>The Cityscapes 19-class train-id convention every MFuser package follows (DESIGN.md §3).</summary>
public static class Cityscapes
{
    /// <summary>Label value for pixels that belong to no class.</summary>
    public const byte Ignore = 255;

    /// <summary>The 19 classes in train-id order with Cityscapes' own colours; only <c>road</c> is drivable.</summary>
    public static IReadOnlyList<ClassInfo> Classes { get; } =
    [
        new(0, "road", new(128, 64, 128), true),
        new(1, "sidewalk", new(244, 35, 232), false),
        new(2, "building", new(70, 70, 70), false),
        new(3, "wall", new(102, 102, 156), false),
        new(4, "fence", new(190, 153, 153), false),
        new(5, "pole", new(153, 153, 153), false),
        new(6, "traffic light", new(250, 170, 30), false),
        new(7, "traffic sign", new(220, 220, 0), false),
        new(8, "vegetation", new(107, 142, 35), false),
        new(9, "terrain", new(152, 251, 152), false),
        new(10, "sky", new(70, 130, 180), false),
        new(11, "person", new(220, 20, 60), false),
        new(12, "rider", new(255, 0, 0), false),
        new(13, "car", new(0, 0, 142), false),
        new(14, "truck", new(0, 0, 70), false),
        new(15, "bus", new(0, 60, 100), false),
        new(16, "train", new(0, 80, 100), false),
        new(17, "motorcycle", new(0, 0, 230), false),
        new(18, "bicycle", new(119, 11, 32), false),
    ];
}
