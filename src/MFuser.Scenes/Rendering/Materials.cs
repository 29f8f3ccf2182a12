using MFuser.Scenes.Randomness;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Rendering;

/// <summary>Per-pixel appearance of each material: albedo, emission (lit windows, lamps, vehicle lights; scaled
/// by the domain's emissive gain) and cut-outs (returns false where the surface is see-through).
/// Coordinates are metres on the surface: <c>a</c> along it from its first end, <c>b</c> up from its bottom.</summary>
public static class Materials
{
    private static readonly Col Dark = Col.Rgb(24, 24, 26), WarmLight = new(1.0f, 0.78f, 0.45f),
        TailLight = new(0.9f, 0.05f, 0.03f), HeadLight = new(1f, 0.97f, 0.9f), Plate = Col.Rgb(220, 220, 210),
        Skin = Col.Rgb(200, 160, 130), SignBlue = Col.Rgb(20, 70, 160), SignRed = Col.Rgb(190, 20, 25),
        White = Col.Rgb(235, 235, 235), SignYellow = Col.Rgb(240, 190, 20);

    public static bool Shade(in Prim p, float a, float b, float w, float h, Palette pal, out Col albedo, out Col emit)
    {
        emit = default;
        albedo = default;
        var seed = p.Seed;
        switch (p.Material)
        {
            case Material.Facade: return Facade(a, b, h, seed, pal, out albedo, out emit);
            case Material.Wall:
            {
                var n = Hash.Unit((int)(a * 12), (int)(b * 12), seed);
                var joint = Frac(a / 2.5f) < 0.02f || b > h - 0.12f;
                albedo = pal.Concrete * ((joint ? 0.75f : 0.9f) + 0.18f * n - 0.2f * NoiseTexture.Smooth(a * 0.7f, b * 1.5f, seed));
                return true;
            }
            case Material.Fence:
            {
                var rail = Math.Abs(b - h * 0.85f) < 0.05f || Math.Abs(b - h * 0.2f) < 0.05f;
                var picket = (seed & 1) == 0 ? Frac(a / 0.22f) < 0.45f : Frac((a + b) / 0.15f) < 0.18f || Frac((a - b) / 0.15f) < 0.18f;
                albedo = pal.FenceColour * (0.85f + 0.3f * Hash.Unit((int)(a * 20), (int)(b * 5), seed));
                return rail || picket || Frac(a / 2.5f) < 0.04f;
            }
            case Material.Hedge:
            case Material.Foliage:
            {
                var nx = 2 * a / w - 1; var ny = 2 * b / h - 1;
                var leaf = NoiseTexture.Smooth(a * 4f, b * 4f, seed);
                if (p.Material == Material.Foliage && nx * nx + ny * ny > 1 - 0.45f * leaf) return false;
                if (p.Material == Material.Hedge && b > h - 0.25f * leaf) return false;
                var fine = Hash.Unit((int)(a * 18), (int)(b * 18), seed);
                var shade = 0.55f + 0.5f * leaf + 0.25f * fine + 0.2f * ny;
                var hue = ((seed >> 8) & 255) / 255f * 0.3f;
                albedo = Col.Lerp(pal.Foliage, pal.GrassDry, hue) * shade;
                return true;
            }
            case Material.Trunk:
                albedo = pal.Trunk * (0.8f + 0.3f * Hash.Unit((int)(a * 30), (int)(b * 6), seed));
                return true;
            case Material.Pole:
            {
                var x = 2 * a / w - 1;
                albedo = pal.Metal * (1.05f - 0.45f * x * x);
                return true;
            }
            case Material.LampHead:
                albedo = pal.Metal * 0.6f;
                if (b < h * 0.35f) { albedo = White; emit = WarmLight * 3f; }
                return true;
            case Material.Sign: return Sign(a, b, w, h, seed, out albedo);
            case Material.TrafficLight:
            {
                albedo = Dark;
                var slot = (int)(b / h * 3);
                var cy = (slot + 0.5f) * h / 3; var dx = a - w * 0.5f; var dy = b - cy;
                if (dx * dx + dy * dy < w * w * 0.12f)
                {
                    var lit = (int)(seed % 3) == slot;
                    var lamp = slot == 2 ? TailLight : slot == 1 ? new Col(1f, 0.6f, 0.05f) : new Col(0.1f, 0.95f, 0.4f);
                    albedo = lit ? lamp : lamp * 0.25f;
                    if (lit) emit = lamp * 3f;
                }
                return true;
            }
            case Material.Skin:
            {
                var nx = 2 * a / w - 1; var ny = 2 * b / h - 1;
                if (nx * nx + ny * ny > 1) return false;
                albedo = (ny > 0.35f ? Col.Rgb(40, 30, 25) : Skin * (0.5f + 0.6f * ((seed >> 3) & 7) / 7f));
                return true;
            }
            case Material.Clothing:
            case Material.Trousers:
            {
                var c = pal.Clothes[Pick(p.Material == Material.Trousers ? seed >> 16 : seed, pal.Clothes.Length)];
                var x = 2 * a / w - 1;
                albedo = c * (1f - 0.3f * x * x + 0.08f * Hash.Unit((int)(a * 40), (int)(b * 40), seed));
                return true;
            }
            case Material.VehicleSide: return VehicleSide(p.Label, a, b, w, h, seed, pal, out albedo);
            case Material.VehicleRear:
            case Material.VehicleFront: return VehicleEnd(p.Material == Material.VehicleFront, a, b, w, h, seed, pal, out albedo, out emit);
            case Material.Glass:
            {
                var paint = Paint(seed, pal);
                albedo = a < 0.1f || a > w - 0.1f || b > h - 0.06f ? paint : pal.Glass * (0.45f + 0.5f * b / h);
                return true;
            }
            case Material.Cargo:
            {
                var c = (seed & 4) == 0 ? Col.Rgb(225, 225, 220) : Paint(seed >> 5, pal);
                albedo = c * (Frac(a / 1.2f) < 0.03f ? 0.75f : 0.95f);
                if (Math.Abs(b - h * 0.5f) < 0.25f && (seed & 8) != 0) albedo = Paint(seed >> 9, pal);
                return true;
            }
            case Material.TwoWheelSide: return TwoWheelSide(p.Label, a, b, w, seed, pal, out albedo);
            case Material.TwoWheelEnd:
            {
                var mid = Math.Abs(a - w * 0.5f);
                var moto = p.Label == TrainIds.Motorcycle;
                albedo = moto ? Paint(seed, pal) : Dark;
                if (b < 0.62f) { albedo = Dark; return mid < (moto ? 0.08f : 0.03f); }
                if (b > h - 0.08f) return true; // handlebar
                if (moto && b < 0.95f && mid < 0.22f) { if (b < 0.8f && b > 0.7f && mid < 0.08f) emit = TailLight * 2f; return true; }
                return mid < 0.03f;
            }
            default:
                albedo = default;
                return false;
        }
    }

    private static float Frac(float x) => x - MathF.Floor(x);

    /// <summary>An index in [0, n) from the low 16 bits of a seed: a multiply and a shift instead of a division
    /// (this runs per pixel).</summary>
    private static int Pick(uint seed, int n) => (int)(((seed & 0xFFFF) * (uint)n) >> 16);

    private static Col Paint(uint seed, Palette pal) => pal.Paints[Pick(seed, pal.Paints.Length)];

    private static bool Facade(float a, float b, float h, uint seed, Palette pal, out Col albedo, out Col emit)
    {
        emit = default;
        var baseCol = pal.Facades[Pick(seed, pal.Facades.Length)] * (0.88f + 0.24f * ((seed >> 4) & 15) / 15f);
        var floorH = 2.9f + ((seed >> 9) & 3) * 0.25f;
        var pitch = pal.WindowPitch * (0.85f + ((seed >> 12) & 3) * 0.1f);
        var fa = Frac(a / pitch);
        var floor = (int)(b / floorH);
        var fb = b / floorH - floor;
        var tex = pal.Brick
            ? ((Frac(b / 0.25f) < 0.12f || Frac(a / 0.5f + (((int)(b / 0.25f)) & 1) * 0.5f) < 0.06f) ? 0.72f
                : 0.95f + 0.1f * Hash.Unit((int)(a * 2), (int)(b * 4), seed))
            : 0.9f + 0.12f * NoiseTexture.Smooth(a * 1.5f, b * 1.5f, seed) + 0.05f * Hash.Unit((int)(a * 25), (int)(b * 25), seed);
        albedo = baseCol * tex;
        if (b > h - 0.45f) { albedo = baseCol * 0.7f; return true; } // cornice
        bool window;
        float wx;
        if (floor == 0)
        {
            wx = (fa - 0.08f) / 0.84f;
            window = fa > 0.08f && fa < 0.92f && b > 0.5f && b < floorH - 0.5f && ((seed >> 14) & 1) == 0;
        }
        else
        {
            var half = pal.WindowWidth * 0.5f;
            wx = (fa - 0.5f + half) / (2 * half);
            window = Math.Abs(fa - 0.5f) < half && fb > 0.28f && fb < 0.28f + pal.WindowHeight;
        }
        if (!window) return true;
        var win = Hash.U32((int)(a / pitch), floor, seed);
        var frame = wx < 0.06f || wx > 0.94f;
        albedo = frame ? Col.Rgb(210, 210, 205) : pal.Glass * (0.55f + 0.7f * ((win >> 8) & 255) / 255f);
        if (!frame && (win & 7) < 3) emit = WarmLight * (0.6f + 0.5f * ((win >> 16) & 255) / 255f);
        return true;
    }

    private static bool Sign(float a, float b, float w, float h, uint seed, out Col albedo)
    {
        albedo = White;
        var nx = 2 * a / w - 1; var ny = 2 * b / h - 1;
        switch (seed % 4)
        {
            case 0: // round prohibition sign
            {
                var r = nx * nx + ny * ny;
                albedo = r > 0.62f ? SignRed : White;
                if (Math.Abs(ny) < 0.15f && Math.Abs(nx) < 0.6f) albedo = SignRed;
                return r <= 1;
            }
            case 1: // warning triangle
            {
                var top = 1 - (ny + 1) * 0.5f;
                if (Math.Abs(nx) > top) return false;
                albedo = Math.Abs(nx) > top - 0.22f || ny < -0.8f ? SignRed : White;
                return true;
            }
            case 2: // blue information rectangle
                albedo = Math.Abs(nx) > 0.88f || Math.Abs(ny) > 0.88f ? White : SignBlue;
                return true;
            default: // priority diamond
            {
                var r = Math.Abs(nx) + Math.Abs(ny);
                albedo = r < 0.6f ? SignYellow : White;
                return r <= 1;
            }
        }
    }

    private static bool VehicleSide(byte label, float a, float b, float w, float h, uint seed, Palette pal, out Col albedo)
    {
        var paint = label == TrainIds.Train ? Col.Rgb(210, 40, 40) : Paint(seed, pal);
        var wheelR = label is TrainIds.Bus or TrainIds.Truck ? 0.5f : label == TrainIds.Train ? 0.4f : 0.33f;
        var inset = label == TrainIds.Car ? 0.8f : 1.6f;
        foreach (var cx in stackalloc float[] { inset, w - inset })
        {
            var dx = a - cx; var dy = b - wheelR;
            var r2 = dx * dx + dy * dy;
            if (r2 < wheelR * wheelR) { albedo = r2 < wheelR * wheelR * 0.3f ? pal.Metal : Dark; return true; }
        }
        if (b < wheelR * 0.9f) { albedo = Dark * 0.8f; return true; }
        if (label is TrainIds.Bus or TrainIds.Train && b > h * 0.42f && b < h * 0.85f)
        {
            albedo = Frac(a / 1.4f) < 0.08f ? paint : pal.Glass * (0.5f + 0.4f * (b / h));
            return true;
        }
        var crease = Math.Abs(b - h * 0.55f) < 0.02f || (label == TrainIds.Car && Math.Abs(a - w * 0.5f) < 0.015f);
        albedo = paint * (crease ? 0.7f : 0.95f + 0.1f * (b / h));
        return true;
    }

    private static bool VehicleEnd(bool front, float a, float b, float w, float h, uint seed, Palette pal, out Col albedo, out Col emit)
    {
        emit = default;
        var paint = Paint(seed, pal);
        albedo = paint * 0.9f;
        var lightBand = b > h * 0.45f && b < h * 0.62f && (a < w * 0.2f || a > w * 0.8f) && a > 0.08f && a < w - 0.08f;
        if (lightBand)
        {
            albedo = front ? HeadLight : TailLight;
            emit = front ? HeadLight * 2.5f : TailLight * 2f;
            return true;
        }
        if (b < h * 0.22f) { albedo = Dark; return true; }
        if (!front && b > h * 0.25f && b < h * 0.36f && Math.Abs(a - w * 0.5f) < 0.26f) albedo = Plate;
        if (front && b > h * 0.28f && b < h * 0.42f && Math.Abs(a - w * 0.5f) < w * 0.25f) albedo = Dark * 1.5f;
        return true;
    }

    private static bool TwoWheelSide(byte label, float a, float b, float w, uint seed, Palette pal, out Col albedo)
    {
        var moto = label == TrainIds.Motorcycle;
        var r = moto ? 0.32f : 0.34f;
        albedo = Dark;
        foreach (var cx in stackalloc float[] { r, w - r })
        {
            var dx = a - cx; var dy = b - r;
            var d = MathF.Sqrt(dx * dx + dy * dy);
            if (d < r && (moto || d > r - 0.05f || d < 0.04f)) return true;
        }
        albedo = Paint(seed, pal);
        if (moto) return b > 0.3f && b < 0.85f && a > r * 0.6f && a < w - r * 0.6f && !(b < 0.5f && Math.Abs(a - w * 0.5f) > w * 0.3f);
        // bicycle: top tube, down tube, seat post and handlebar stem as thin strokes
        var t = a / w;
        var onTop = Math.Abs(b - 0.78f) < 0.035f && t > 0.3f && t < 0.72f;
        var onDown = Math.Abs(b - (r + (0.78f - r) * (1 - (t - 0.3f) / 0.42f))) < 0.035f && t > 0.3f && t < 0.72f;
        var onPost = Math.Abs(a - w * 0.32f) < 0.03f && b > r && b < 0.92f;
        var onStem = Math.Abs(a - w * 0.74f) < 0.03f && b > r && b < 1.0f;
        return onTop || onDown || onPost || onStem;
    }
}
