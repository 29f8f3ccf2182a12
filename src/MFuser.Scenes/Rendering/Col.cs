using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Rendering;

/// <summary>A linear-ish RGB colour with components in 0..1 (values above 1 are allowed for lights).</summary>
public readonly record struct Col(float R, float G, float B)
{
    public static Col operator *(Col c, float k) => new(c.R * k, c.G * k, c.B * k);
    public static Col operator *(Col a, Col b) => new(a.R * b.R, a.G * b.G, a.B * b.B);
    public static Col operator +(Col a, Col b) => new(a.R + b.R, a.G + b.G, a.B + b.B);
    public static Col Lerp(Col a, Col b, float t) => new(a.R + (b.R - a.R) * t, a.G + (b.G - a.G) * t, a.B + (b.B - a.B) * t);
    public static Col Rgb(int r, int g, int b) => new(r / 255f, g / 255f, b / 255f);
    public float Luma => 0.299f * R + 0.587f * G + 0.114f * B;
}
