namespace MFuser.ModelPackage.Classes;

/// <summary>An RGB colour as published in <c>info</c> and used for overlays.</summary>
public readonly record struct Rgb(byte R, byte G, byte B);

/// <summary>One row of a model package's class table: the train id the model emits, its name, display colour and
/// whether a vehicle may drive on it.</summary>
public sealed record ClassInfo(int Id, string Name, Rgb Color, bool Drivable);
