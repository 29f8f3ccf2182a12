using MFuser.Scenes.Randomness;
using MFuser.Scenes.World;

namespace MFuser.Scenes.Rendering;

/// <summary>First pass of a frame: every pixel below the horizon gets the flat ground it sees (road with lane
/// markings, zebra crossings and tram rails, side streets, sidewalks with kerbs and paving, grass), with the
/// building shadows cast from the sun-side facades; every pixel above it gets sky or the distant skyline.
/// Runs after the objects and fills only the pixels they left empty. With the image plane vertical, each row
/// sees the ground at one distance, so the work per pixel is small.</summary>
public static class GroundPass
{
    /// <summary>Distance of the distant skyline (metres); beyond every modelled object.</summary>
    public const float SkylineDistance = 600f;

    /// <param name="skyline">Scratch of one entry per column: top row of the distant skyline.</param>
    /// <param name="skylineKind">Scratch of one entry per column: skyline class (building or vegetation).</param>
    public static void Run(Raster r, View view, RoadLayout road, ChunkCache chunks, Span<float> skyline, Span<byte> skylineKind)
    {
        var cam = view.Camera;
        var pal = r.Palette;
        int w = r.Width, h = r.Height;
        ComputeSkyline(view, skyline, skylineKind, w, chunks.Generator.Seed);
        var seed = (uint)chunks.Generator.Seed;
        for (var y = 0; y < h; y++)
        {
            var dv = y + 0.5f - cam.Cy;
            var row = y * w;
            if (dv <= 0.05f * cam.Focal / CameraRig.Far)
            {
                for (var x = 0; x < w; x++)
                    if (r.IsEmpty(row + x)) SkyPixel(r, row + x, y, skyline[x], skylineKind[x], cam, seed, x);
                continue;
            }
            var z = cam.Focal * cam.Height / dv;
            var zc = Math.Min(z, CameraRig.Far);
            var s = view.S + zc;
            var chunk = chunks.At(s);
            var offset = view.CentreX(zc) - cam.LateralOffset;
            var footprint = zc / cam.Focal;
            var si = (int)Math.Floor(s * 5);
            for (var x = 0; x < w; x++)
            {
                var i = row + x;
                if (!r.IsEmpty(i)) continue;
                var d = (x + 0.5f - cam.Cx) * footprint - offset;
                var col = GroundColour(road, chunk, pal, s, d, footprint, si, seed, out var label, out var sun);
                r.Depth[i] = z;
                r.Labels[i] = label;
                r.Sun[i] = sun;
                r.Ambient[i] = 1f;
                var k = i * 3;
                r.Albedo[k] = col.R; r.Albedo[k + 1] = col.G; r.Albedo[k + 2] = col.B;
            }
        }
    }

    private static void SkyPixel(Raster r, int i, int y, float skylineRow, byte kind, CameraRig cam, uint seed, int x)
    {
        var k = i * 3;
        if (y + 0.5f >= skylineRow && skylineRow < cam.Cy + 1)
        {
            var building = kind == TrainIds.Building;
            var c = building ? new Col(0.45f, 0.47f, 0.52f) : new Col(0.25f, 0.33f, 0.22f);
            c *= 0.9f + 0.15f * Hash.Unit(x / 2, y / 3, seed);
            r.Labels[i] = building ? TrainIds.Building : TrainIds.Vegetation;
            r.Depth[i] = SkylineDistance;
            r.Albedo[k] = c.R; r.Albedo[k + 1] = c.G; r.Albedo[k + 2] = c.B;
            r.Sun[i] = 0.6f;
        }
        else
        {
            r.Labels[i] = TrainIds.Sky;
            r.Albedo[k] = r.Albedo[k + 1] = r.Albedo[k + 2] = 0;
            r.Sun[i] = 0;
        }
        r.Ambient[i] = 1f;
    }

    /// <summary>Top row of the distant skyline per column: blocky towers where the world's skyline hash says so,
    /// soft tree lines elsewhere, anchored to the absolute heading so it stays put during a drive.</summary>
    private static void ComputeSkyline(View view, Span<float> skyline, Span<byte> kind, int width, long seed)
    {
        var cam = view.Camera;
        var s = (uint)seed;
        for (var x = 0; x < width; x++)
        {
            var angle = MathF.Atan((x + 0.5f - cam.Cx) / cam.Focal) + view.Heading + cam.Yaw;
            var cell = (int)MathF.Floor(angle * 40);
            var towers = Hash.Value(angle * 3, 0.5f, s) > 0.45f;
            var metres = towers
                ? 10 + 45 * Hash.Unit(cell, 1, s) * Hash.Value(angle * 6, 2.5f, s)
                : 8 + 12 * Hash.Value(angle * 60, 4.5f, s);
            skyline[x] = cam.Cy - cam.Focal * (metres - cam.Height) / SkylineDistance;
            kind[x] = towers ? TrainIds.Building : TrainIds.Vegetation;
        }
    }

    private static Col GroundColour(RoadLayout road, Chunk chunk, Palette pal, double s, float d, float footprint,
        int si, uint seed, out byte label, out float sun)
    {
        var ad = MathF.Abs(d);
        var side = d < 0 ? -1f : 1f;
        var dj = (int)MathF.Floor(d * 5);
        // Texture grain of 0.2 m cells, faded where a pixel covers many cells (as averaging over the pixel would).
        var fine = 0.5f + (Hash.Unit(si, dj, seed) - 0.5f) * MathF.Min(1, 0.2f / footprint);
        sun = 1f;
        // Building shadows reach into the street from the sun-side facades.
        if (chunk.ZoneOf(road.SunSide) == Zone.Urban && !InCrossing(chunk, s, 0))
        {
            var dist = chunk.FacadeOf(road.SunSide) - d * road.SunSide;
            sun = Math.Clamp(1 + (dist - road.SunShadowReach) / 0.6f, 0, 1); // soft 0.6 m penumbra
        }
        if (ad < road.HalfWidth)
        {
            label = TrainIds.Road;
            var asphalt = pal.Asphalt * (0.88f + 0.16f * fine + 0.2f * (NoiseTexture.Smooth((float)(s * 0.12), d * 0.4f, seed) - 0.5f));
            return Markings(road, chunk, pal, s, d, ad, footprint, asphalt);
        }
        if (InCrossing(chunk, s, road.SidewalkWidth * 0.8f))
        {
            label = TrainIds.Road;
            return pal.Asphalt * (0.9f + 0.14f * fine);
        }
        if (ad < road.SidewalkOuter || InCrossing(chunk, s, 0) || chunk.ZoneOf(side) == Zone.Urban && chunk.PavedOf(side))
        {
            label = TrainIds.Sidewalk;
            if (ad < road.HalfWidth + 0.25f) return pal.Kerb * (0.92f + 0.1f * fine);
            var joint = footprint < 0.12f && (Frac((float)(s * 2)) < 0.07f || Frac(d * 2) < 0.07f);
            return pal.Sidewalk * ((joint ? 0.78f : 0.92f) + 0.12f * fine);
        }
        label = TrainIds.Terrain;
        var patch = NoiseTexture.Smooth((float)(s * 0.2), d * 0.2f, seed + 7);
        return Col.Lerp(pal.Grass, pal.GrassDry, patch) * (0.72f + 0.4f * fine);
    }

    private static bool InCrossing(Chunk chunk, double s, float inset) =>
        chunk.HasCrossing && Math.Abs(s - chunk.CrossingS) < chunk.CrossingHalfWidth - inset;

    /// <summary>Paints lane markings; a marking thinner than a pixel's footprint is blended by its coverage.</summary>
    private static Col Markings(RoadLayout road, Chunk chunk, Palette pal, double s, float d, float ad, float footprint, Col asphalt)
    {
        float cover = 0;
        var paint = pal.Marking;
        var lanes = road.LanesPerDirection;
        var dash = Frac((float)(s / 12.0)) < 0.4f;
        // centre line: dashed single for one lane per direction, solid double for two
        if (lanes == 1) { if (dash) cover = Stripe(ad, 0, 0.07f, footprint); }
        else cover = MathF.Max(Stripe(ad, 0.13f, 0.06f, footprint), 0);
        if (cover > 0) paint = pal.CentreMarking;
        for (var k = 1; k < lanes && cover == 0; k++)
            if (dash) cover = Stripe(ad, k * road.LaneWidth, 0.06f, footprint);
        if (cover == 0) cover = Stripe(ad, lanes * road.LaneWidth + (road.Parking ? 0 : -0.3f), 0.07f, footprint);
        if (chunk.HasZebra)
        {
            var lo = chunk.CrossingS - chunk.CrossingHalfWidth - 4.5;
            if (s > lo && s < lo + 3.5 && Frac(d / 1.1f) < 0.5f) { cover = MathF.Max(cover, Math.Min(1, 3 * 0.5f / Math.Max(footprint, 0.01f))); paint = pal.Marking; }
        }
        if (road.HasTram && cover == 0)
        {
            var rail = MathF.Max(Stripe(MathF.Abs(ad - road.LaneWidth * 0.5f), 0.72f, 0.035f, footprint), 0);
            if (rail > 0) return Col.Lerp(asphalt, pal.Metal * 1.2f, rail);
        }
        var worn = 0.8f + 0.2f * NoiseTexture.Smooth((float)(s * 0.5), d, 11);
        return cover > 0 ? Col.Lerp(asphalt, paint * worn, cover) : asphalt;
    }

    /// <summary>Coverage (0..1) of a stripe of half width <paramref name="half"/> centred at <paramref name="at"/>.</summary>
    private static float Stripe(float d, float at, float half, float footprint)
    {
        var reach = MathF.Max(half, footprint * 0.5f);
        return MathF.Abs(d - at) < reach ? Math.Min(1, 2 * half / MathF.Max(footprint, 1e-3f)) : 0;
    }

    private static float Frac(float x) => x - MathF.Floor(x);
}
