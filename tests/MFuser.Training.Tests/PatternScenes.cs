using MFuser.Scenes;
using MFuser.Training.Learning;

namespace MFuser.Training.Tests;

/// <summary>
/// Test-only scene source: sky over buildings over road, with a car box, all seed-dependent, flat colours plus
/// noise. Enough structure for loss/gradient tests without the full renderer (which has its own tests).
/// </summary>
internal sealed class PatternScenes : ISceneSource
{
    public void Render(int seed, Domain domain, int width, int height, Span<byte> bgr, Span<byte> labels)
    {
        var rng = new Random(seed);
        int horizon = height * (35 + rng.Next(20)) / 100, roofline = horizon - height * (5 + rng.Next(15)) / 100;
        int carX = rng.Next(width / 2), carW = width / 6 + rng.Next(width / 6), carTop = horizon + rng.Next(height / 8);
        int carBottom = Math.Min(height - 1, carTop + height / 6);
        byte dim = (byte)(domain == Domain.Night ? 3 : 1);
        for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
        {
            byte label = y < roofline ? (byte)10 : y < horizon ? (byte)2 : (x >= carX && x < carX + carW && y >= carTop && y < carBottom)
                ? (byte)13 : (byte)0;
            var (b, g, r) = label switch { 10 => (230, 180, 120), 2 => (90, 100, 140), 13 => (40, 40, 200), _ => (110, 110, 110) };
            int n = rng.Next(-12, 13), p = (y * width + x) * 3;
            bgr[p] = (byte)Math.Clamp((b + n) / dim, 0, 255);
            bgr[p + 1] = (byte)Math.Clamp((g + n) / dim, 0, 255);
            bgr[p + 2] = (byte)Math.Clamp((r + n) / dim, 0, 255);
            labels[y * width + x] = label;
        }
    }
}
