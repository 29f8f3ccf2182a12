using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using OpenCvSharp;

namespace MFuser.Scenes.Cli;

/// <summary>Colour-codes a train-id label map with the Cityscapes colours of the model contract
/// (<see cref="Cityscapes.Classes"/>); ignore (255) is black.</summary>
internal static class LabelColours
{
    private static readonly Vec3b[] Lut = BuildLut();

    private static Vec3b[] BuildLut()
    {
        var lut = new Vec3b[256];
        foreach (var c in Cityscapes.Classes) lut[c.Id] = new Vec3b(c.Color.B, c.Color.G, c.Color.R);
        return lut;
    }

    /// <summary>Writes the BGR colour image of <paramref name="labels"/> into <paramref name="bgr"/>.</summary>
    public static void Paint(ReadOnlySpan<byte> labels, Span<byte> bgr)
    {
        for (var i = 0; i < labels.Length; i++)
        {
            var c = Lut[labels[i]];
            bgr[i * 3] = c.Item0; bgr[i * 3 + 1] = c.Item1; bgr[i * 3 + 2] = c.Item2;
        }
    }
}
