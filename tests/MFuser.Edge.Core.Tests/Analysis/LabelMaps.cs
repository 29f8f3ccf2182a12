using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Core.Tests.Analysis;

/// <summary>Label maps drawn as text, one string per image row: r road, s sidewalk, v vegetation, k sky,
/// p person, c car, . ignore (255).</summary>
internal static class LabelMaps
{
    public static byte[] Parse(params string[] rows)
    {
        var width = rows[0].Length;
        var labels = new byte[width * rows.Length];
        for (var y = 0; y < rows.Length; y++)
        {
            Assert.Equal(width, rows[y].Length);
            for (var x = 0; x < width; x++)
                labels[y * width + x] = rows[y][x] switch
                {
                    'r' => 0, 's' => 1, 'v' => 8, 'k' => 10, 'p' => 11, 'c' => 13, '.' => Cityscapes.Ignore,
                    var ch => throw new ArgumentException($"unknown label character '{ch}'"),
                };
        }
        return labels;
    }

    public static byte[] Filled(int width, int height, byte value) => Enumerable.Repeat(value, width * height).ToArray();

    /// <summary>Sets a rectangle [x0, x1) × [y0, y1) of a row-major map.</summary>
    public static void Fill(byte[] map, int width, int x0, int x1, int y0, int y1, byte value)
    {
        for (var y = y0; y < y1; y++)
            for (var x = x0; x < x1; x++)
                map[y * width + x] = value;
    }
}
