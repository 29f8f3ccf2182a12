using MFuser.Scenes.Randomness;
using MFuser.Scenes.World;
using MFuser.ModelPackage.Classes;

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
        float[] depth = r.Depth, sunBuf = r.Sun, ambient = r.Ambient, albedo = r.Albedo;
        var labels = r.Labels;
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
            var offset = view.CentreX(zc) - cam.LateralOffset;
            var footprint = zc / cam.Focal;
            var ground = new GroundRow(road, chunks.At(s), s, footprint);
            for (var x = 0; x < w; x++)
            {
                var i = row + x;
                if (!float.IsPositiveInfinity(depth[i])) continue; // an object covers it
                var d = (x + 0.5f - cam.Cx) * footprint - offset;
                var col = GroundColour(road, ground, pal, d, seed, out var label, out var sun);
                depth[i] = z;
                labels[i] = label;
                sunBuf[i] = sun;
                ambient[i] = 1f;
                var k = i * 3;
                albedo[k] = col.R; albedo[k + 1] = col.G; albedo[k + 2] = col.B;
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

    /// <summary>Everything about the ground that is constant along one image row (one distance, one arc length).</summary>
    private readonly struct GroundRow
    {
        public readonly double S;
        public readonly float Footprint, GrainFade, AsphaltS, GrassS, WornS, SunFacade;
        public readonly int GrainS;
        public readonly bool SunShadow, CrossingRoad, CrossingAny, LeftPaved, RightPaved, Dash, Zebra, Joint, Tiles;

        public GroundRow(RoadLayout road, Chunk chunk, double s, float footprint)
        {
            S = s;
            Footprint = footprint;
            GrainFade = MathF.Min(1, 0.2f / footprint);
            GrainS = (int)Math.Floor(s * 5);
            AsphaltS = (float)(s * 0.12); GrassS = (float)(s * 0.2); WornS = (float)(s * 0.5);
            CrossingAny = InCrossing(chunk, s, 0);
            CrossingRoad = InCrossing(chunk, s, road.SidewalkWidth * 0.8f);
            SunShadow = chunk.ZoneOf(road.SunSide) == Zone.Urban && !CrossingAny;
            SunFacade = chunk.FacadeOf(road.SunSide);
            LeftPaved = chunk.LeftZone == Zone.Urban && chunk.LeftPaved;
            RightPaved = chunk.RightZone == Zone.Urban && chunk.RightPaved;
            Dash = Frac((float)(s / 12.0)) < 0.4f;
            var zebraStart = chunk.CrossingS - chunk.CrossingHalfWidth - 4.5;
            Zebra = chunk.HasZebra && s > zebraStart && s < zebraStart + 3.5;
            Tiles = footprint < 0.12f;
            Joint = Frac((float)(s * 2)) < 0.07f;
        }
    }

    private static Col GroundColour(RoadLayout road, in GroundRow row, Palette pal, float d, uint seed, out byte label, out float sun)
    {
        var ad = MathF.Abs(d);
        // Texture grain of 0.2 m cells, faded where a pixel covers many cells (as averaging over the pixel would).
        var fine = 0.5f + (Hash.Unit(row.GrainS, (int)MathF.Floor(d * 5), seed) - 0.5f) * row.GrainFade;
        sun = 1f;
        // Building shadows reach into the street from the sun-side facades.
        if (row.SunShadow)
            sun = Math.Clamp(1 + (row.SunFacade - d * road.SunSide - road.SunShadowReach) / 0.6f, 0, 1); // 0.6 m penumbra
        if (ad < road.HalfWidth)
        {
            label = TrainIds.Road;
            var asphalt = pal.Asphalt * (0.88f + 0.16f * fine + 0.2f * (NoiseTexture.Smooth(row.AsphaltS, d * 0.4f, seed) - 0.5f));
            return Markings(road, row, pal, d, ad, asphalt);
        }
        if (row.CrossingRoad)
        {
            label = TrainIds.Road;
            return pal.Asphalt * (0.9f + 0.14f * fine);
        }
        if (ad < road.SidewalkOuter || row.CrossingAny || (d < 0 ? row.LeftPaved : row.RightPaved))
        {
            label = TrainIds.Sidewalk;
            if (ad < road.HalfWidth + 0.25f) return pal.Kerb * (0.92f + 0.1f * fine);
            var joint = row.Tiles && (row.Joint || Frac(d * 2) < 0.07f);
            return pal.Sidewalk * ((joint ? 0.78f : 0.92f) + 0.12f * fine);
        }
        label = TrainIds.Terrain;
        var patch = NoiseTexture.Smooth(row.GrassS, d * 0.2f, seed + 7);
        return Col.Lerp(pal.Grass, pal.GrassDry, patch) * (0.72f + 0.4f * fine);
    }

    private static bool InCrossing(Chunk chunk, double s, float inset) =>
        chunk.HasCrossing && Math.Abs(s - chunk.CrossingS) < chunk.CrossingHalfWidth - inset;

    /// <summary>Paints lane markings; a marking thinner than a pixel's footprint is blended by its coverage.</summary>
    private static Col Markings(RoadLayout road, in GroundRow row, Palette pal, float d, float ad, Col asphalt)
    {
        float cover = 0;
        var paint = pal.Marking;
        var lanes = road.LanesPerDirection;
        var footprint = row.Footprint;
        // centre line: dashed single for one lane per direction, solid double for two
        if (lanes == 1) { if (row.Dash) cover = Stripe(ad, 0, 0.07f, footprint); }
        else cover = Stripe(ad, 0.13f, 0.06f, footprint);
        if (cover > 0) paint = pal.CentreMarking;
        for (var k = 1; k < lanes && cover == 0; k++)
            if (row.Dash) cover = Stripe(ad, k * road.LaneWidth, 0.06f, footprint);
        if (cover == 0) cover = Stripe(ad, lanes * road.LaneWidth + (road.Parking ? 0 : -0.3f), 0.07f, footprint);
        if (row.Zebra && Frac(d / 1.1f) < 0.5f)
        {
            cover = MathF.Max(cover, Math.Min(1, 1.5f / Math.Max(footprint, 0.01f)));
            paint = pal.Marking;
        }
        if (road.HasTram && cover == 0)
        {
            var rail = Stripe(MathF.Abs(ad - road.LaneWidth * 0.5f), 0.72f, 0.035f, footprint);
            if (rail > 0) return Col.Lerp(asphalt, pal.Metal * 1.2f, rail);
        }
        if (cover == 0) return asphalt;
        var worn = 0.8f + 0.2f * NoiseTexture.Smooth(row.WornS, d, 11);
        return Col.Lerp(asphalt, paint * worn, cover);
    }

    /// <summary>Coverage (0..1) of a stripe of half width <paramref name="half"/> centred at <paramref name="at"/>.</summary>
    private static float Stripe(float d, float at, float half, float footprint)
    {
        var reach = MathF.Max(half, footprint * 0.5f);
        return MathF.Abs(d - at) < reach ? Math.Min(1, 2 * half / MathF.Max(footprint, 1e-3f)) : 0;
    }

    private static float Frac(float x) => x - MathF.Floor(x);
}
