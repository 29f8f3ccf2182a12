using MFuser.Scenes.World;
using MFuser.Scenes.Randomness;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Rendering;

/// <summary>Second half of a frame: lights the albedo of the geometry pass with a <see cref="DomainStyle"/>
/// (sun, ambient, street lamps, headlights, emission), paints the sky, applies atmosphere (haze, depth-based
/// fog), weather (wet-road mirror reflections, rain streaks, snow cover and flakes), colour grading and sensor
/// defects (blur, noise, JPEG-like block compression), and writes BGR bytes. Never touches labels.</summary>
public sealed class DomainLook
{
    private float[] colour = [];
    private float[] light = [];
    private float[] scratch = [];
    /// <summary>Atmospheric transmittance exp(−k·z) tabulated every <see cref="TransmittanceStep"/> metres.</summary>
    private readonly float[] transmittance = new float[(int)(GroundPass.SkylineDistance / TransmittanceStep) + 2];
    private const float TransmittanceStep = 0.25f;

    public void Apply(Raster r, DomainStyle style, ReadOnlySpan<PointLight> lights, ulong noiseSeed, Span<byte> bgr)
    {
        var n = r.Width * r.Height;
        if (colour.Length != n * 3) { colour = new float[n * 3]; light = new float[n * 3]; scratch = new float[n * 3]; }
        var artificial = style.Artificial > 0 || style.EgoHeadlights;
        if (artificial) AccumulateLights(r, style, lights);
        var grade = new Grade(style, (uint)noiseSeed);
        // Without screen-space effects the lit colour goes straight to bytes (one pass less over the frame).
        var direct = style.Wet == 0 && style.Glow == 0 && style.RainStreaks == 0 && style.SnowFlakes == 0
            && style.BlurPasses == 0 && style.JpegQuality == 0;
        Light(r, style, artificial, (uint)noiseSeed, direct ? bgr : default, grade);
        if (direct) return;
        if (style.Wet > 0) WetRoad(r, style, (uint)noiseSeed);
        if (style.Glow > 0) Glow(r, style, lights);
        var rng = new Rng(noiseSeed);
        if (style.RainStreaks > 0) Streaks(r.Width, r.Height, style.RainStreaks, ref rng);
        if (style.SnowFlakes > 0) Flakes(r.Width, r.Height, style.SnowFlakes, ref rng);
        for (var p = 0; p < style.BlurPasses; p++) Blur(r.Width, r.Height);
        if (style.JpegQuality > 0) JpegLike.Compress(colour, r.Width, r.Height, style.JpegQuality);
        for (var i = 0; i < n; i++) grade.Write(bgr, i, colour[i * 3], colour[i * 3 + 1], colour[i * 3 + 2]);
    }

    /// <summary>Adds the illumination of lamps and oncoming headlights (spheres of influence projected to screen
    /// boxes) and of the ego vehicle's low beams into <c>light</c>.</summary>
    private void AccumulateLights(Raster r, DomainStyle style, ReadOnlySpan<PointLight> lights)
    {
        Array.Clear(light);
        var depth = r.Depth;
        var cam = r.Camera;
        int w = r.Width, h = r.Height;
        var f = cam.Focal;
        foreach (var l in lights)
        {
            if (l.Reach <= 0) continue;
            var reach = l.Reach;
            var zMin = Math.Max(l.Z - reach, 0.5f);
            var rad = f * reach / zMin;
            var u = cam.Cx + f * l.X / l.Z; var v = cam.Cy + f * (cam.Height - l.Y) / l.Z;
            int x0 = Math.Max(0, (int)(u - rad)), x1 = Math.Min(w - 1, (int)(u + rad));
            int y0 = Math.Max(0, (int)(v - rad)), y1 = Math.Min(h - 1, (int)(v + rad * 2));
            var inv = 4f / (reach * reach);
            var reach2 = reach * reach;
            var gain = style.Artificial;
            for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++)
            {
                var i = y * w + x;
                var z = depth[i];
                var dz = z - l.Z;
                if (dz * dz > reach2) continue; // cheap reject by depth before reconstructing the point
                var px = (x + 0.5f - cam.Cx) * z / f; var py = cam.Height - (y + 0.5f - cam.Cy) * z / f;
                float dx = px - l.X, dy = py - l.Y;
                var d2 = dx * dx + dy * dy + dz * dz;
                if (d2 > reach2) continue;
                var k = gain * (1 - d2 / reach2) / (1 + d2 * inv);
                light[i * 3] += l.R * k; light[i * 3 + 1] += l.G * k; light[i * 3 + 2] += l.B * k;
            }
        }
        if (!style.EgoHeadlights) return;
        var horizon = Math.Max(0, (int)MathF.Ceiling(cam.Cy));
        for (var y = horizon; y < h; y++)
        for (var x = 0; x < w; x++)
        {
            var i = y * w + x;
            var z = r.Depth[i];
            if (z > 70) continue;
            var px = (x + 0.5f - cam.Cx) * z / f; var py = cam.Height - (y + 0.5f - cam.Cy) * z / f;
            var cone = 0.28f * z + 1.1f - MathF.Abs(px);
            if (cone <= 0 || py > 1.6f) continue;
            var k = 0.9f * MathF.Min(1, cone) * 100f / (100f + z * z);
            light[i * 3] += k; light[i * 3 + 1] += k * 0.97f; light[i * 3 + 2] += k * 0.9f;
        }
    }

    private static readonly float[] SnowCoverByClass =
        // road, sidewalk, building, wall, fence, pole, light, sign, vegetation, terrain, sky, person, rider, car, truck, bus, train, moto, bike
        [0.45f, 0.8f, 0.1f, 0.25f, 0.1f, 0.05f, 0.05f, 0.05f, 0.4f, 0.95f, 0f, 0.05f, 0.05f, 0.15f, 0.15f, 0.15f, 0.15f, 0.05f, 0.05f];

    /// <summary>Lights every pixel; writes graded bytes to <paramref name="direct"/> when it is not empty, else
    /// the linear colour to the float buffer for the screen-space effects.</summary>
    private void Light(Raster r, DomainStyle s, bool artificial, uint seed, Span<byte> direct, in Grade grade)
    {
        var cam = r.Camera;
        int w = r.Width, h = r.Height;
        var amb = s.Ambient; var sun = s.Sun; var fog = s.FogColour;
        var extinction = s.Haze + s.Fog;
        var emissive = s.Emissive;
        var snow = s.SnowCover;
        var fogOnSky = 1 - MathF.Exp(-s.Fog * 1000f);
        var table = transmittance;
        for (var j = 0; j < table.Length; j++) table[j] = MathF.Exp(-extinction * j * TransmittanceStep);
        var lastEntry = table.Length - 1;
        var skySpan = Math.Max(cam.Cy, h * 0.3f);
        float[] albedoBuf = r.Albedo, emission = r.Emission, depth = r.Depth, sunBuf = r.Sun, ambient = r.Ambient, outBuf = colour, lightBuf = light;
        byte[] labels = r.Labels;
        for (var y = 0; y < h; y++)
        {
            var elevation = Math.Clamp((cam.Cy - (y + 0.5f)) / skySpan, 0, 1);
            var skyBase = Col.Lerp(s.SkyHorizon, s.SkyZenith, MathF.Pow(elevation, 0.7f));
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                var k = i * 3;
                var label = labels[i];
                float cr, cg, cb;
                if (label == TrainIds.Sky)
                {
                    var c = skyBase;
                    if (s.CloudCover > 0)
                    {
                        var cx = (x - cam.Cx) / cam.Focal; var cy = elevation * 2.5f + 0.2f;
                        var cloud = NoiseTexture.Smooth(cx * 3 / cy + 50, 4 / cy, seed ^ 0xC10D) * 0.65f +
                            NoiseTexture.Smooth(cx * 9 / cy, 12 / cy, seed) * 0.35f;
                        var amount = Math.Clamp((cloud - (1 - s.CloudCover)) * 3f, 0, 1);
                        c = Col.Lerp(c, s.CloudColour, amount);
                    }
                    c = Col.Lerp(c, fog, fogOnSky);
                    cr = c.R; cg = c.G; cb = c.B;
                }
                else
                {
                    float ar = albedoBuf[k], ag = albedoBuf[k + 1], ab = albedoBuf[k + 2];
                    if (snow > 0 && label < SnowCoverByClass.Length)
                    {
                        var patch = NoiseTexture.Smooth(x * 0.15f, y * 0.3f, seed ^ 0x5E0);
                        var cover = Math.Clamp(snow * SnowCoverByClass[label] * (0.6f + 0.8f * patch), 0, 1);
                        ar += (0.92f - ar) * cover; ag += (0.93f - ag) * cover; ab += (0.96f - ab) * cover;
                    }
                    float sunK = sunBuf[i], ao = ambient[i];
                    float lr = amb.R * ao + sun.R * sunK, lg = amb.G * ao + sun.G * sunK, lb = amb.B * ao + sun.B * sunK;
                    if (artificial) { lr += lightBuf[k]; lg += lightBuf[k + 1]; lb += lightBuf[k + 2]; }
                    cr = ar * lr + emission[k] * emissive;
                    cg = ag * lg + emission[k + 1] * emissive;
                    cb = ab * lb + emission[k + 2] * emissive;
                    var t = table[Math.Min((int)(depth[i] * (1 / TransmittanceStep) + 0.5f), lastEntry)];
                    cr = fog.R + (cr - fog.R) * t; cg = fog.G + (cg - fog.G) * t; cb = fog.B + (cb - fog.B) * t;
                }
                if (direct.IsEmpty) { outBuf[k] = cr; outBuf[k + 1] = cg; outBuf[k + 2] = cb; }
                else grade.Write(direct, i, cr, cg, cb);
            }
        }
    }

    /// <summary>A wet flat road mirrors the scene: the reflected ray of row v is the ray of row 2·cy − v.</summary>
    private void WetRoad(Raster r, DomainStyle s, uint seed)
    {
        var cam = r.Camera;
        int w = r.Width, h = r.Height;
        for (var y = (int)MathF.Ceiling(cam.Cy); y < h; y++)
        {
            var mirror = (int)(2 * cam.Cy - y - 0.5f);
            var grazing = Math.Clamp(1 - (y - cam.Cy) / (h - cam.Cy), 0, 1);
            for (var x = 0; x < w; x++)
            {
                var i = y * w + x;
                var label = r.Labels[i];
                if (label != TrainIds.Road && label != TrainIds.Sidewalk) continue;
                var k = i * 3;
                var puddle = NoiseTexture.Smooth(x * 0.05f, y * 0.2f, seed ^ 0xAB);
                var amount = s.Wet * (0.25f + 0.6f * grazing * grazing) * (0.5f + puddle) * (label == TrainIds.Road ? 1f : 0.5f);
                for (var c = 0; c < 3; c++)
                {
                    var dark = colour[k + c] * (1 - 0.35f * s.Wet);
                    var refl = mirror >= 0 ? Average3(mirror, x, c, w) : dark;
                    colour[k + c] = dark + (refl - dark) * Math.Clamp(amount, 0, 0.85f);
                }
            }
        }
    }

    private float Average3(int y, int x, int c, int w)
    {
        var i = (y * w + x) * 3 + c;
        var up = y > 0 ? colour[i - w * 3] : colour[i];
        return (colour[i] * 2 + up) / 3;
    }

    private void Glow(Raster r, DomainStyle s, ReadOnlySpan<PointLight> lights)
    {
        var cam = r.Camera;
        int w = r.Width, h = r.Height;
        var spread = 1 + s.Fog * 40;
        foreach (var l in lights)
        {
            var u = cam.Cx + cam.Focal * l.X / l.Z; var v = cam.Cy + cam.Focal * (cam.Height - l.Y) / l.Z;
            int ui = (int)u, vi = (int)v;
            if (ui < 0 || ui >= w || vi < 0 || vi >= h || r.Depth[vi * w + ui] < l.Z - 0.6f) continue;
            // Radius capped at a tenth of the image height: a halo bigger than that is a lens flare, not a glow.
            var radius = Math.Clamp(cam.Focal * l.GlowSize * spread / l.Z * 2.5f, 1.2f, h * 0.1f);
            var inv = 1 / (radius * radius);
            var reach = (int)(radius * 2.2f) + 1;
            // Halos fade with distance and, more slowly than direct light, with the atmosphere in between.
            var gain = s.Glow * MathF.Min(1, 30 / l.Z + 0.3f) * MathF.Exp(-(s.Haze + s.Fog) * l.Z * 0.5f);
            for (var y = Math.Max(0, vi - reach); y <= Math.Min(h - 1, vi + reach); y++)
            for (var x = Math.Max(0, ui - reach); x <= Math.Min(w - 1, ui + reach); x++)
            {
                float dx = x + 0.5f - u, dy = y + 0.5f - v;
                var k = gain * MathF.Exp(-(dx * dx + dy * dy) * inv);
                var i = (y * w + x) * 3;
                colour[i] += l.R * k; colour[i + 1] += l.G * k; colour[i + 2] += l.B * k;
            }
        }
    }

    private void Streaks(int w, int h, int count, ref Rng rng)
    {
        for (var n = 0; n < count; n++)
        {
            var x = rng.Range(0, w); var y = rng.Range(-20, h);
            var length = rng.Range(8f, 28f) * h / 256f;
            var alpha = rng.Range(0.08f, 0.22f);
            for (var t = 0; t < length; t++)
            {
                int px = (int)(x + t * 0.18f), py = (int)(y + t);
                if (px < 0 || px >= w || py < 0 || py >= h) continue;
                var i = (py * w + px) * 3;
                for (var c = 0; c < 3; c++) colour[i + c] += (0.8f - colour[i + c]) * alpha;
            }
        }
    }

    private void Flakes(int w, int h, int count, ref Rng rng)
    {
        for (var n = 0; n < count; n++)
        {
            var x = (int)rng.Range(0, w); var y = (int)rng.Range(0, h);
            var size = rng.Chance(0.2f) ? 2 : 1;
            var alpha = rng.Range(0.5f, 0.95f);
            for (var dy = 0; dy < size && y + dy < h; dy++)
            for (var dx = 0; dx < size && x + dx < w; dx++)
            {
                var i = ((y + dy) * w + x + dx) * 3;
                for (var c = 0; c < 3; c++) colour[i + c] += (0.97f - colour[i + c]) * alpha;
            }
        }
    }

    /// <summary>One pass of the separable [1 2 1]/4 binomial filter (edges clamped).</summary>
    private void Blur(int w, int h)
    {
        var src = colour; var tmp = scratch;
        var stride = w * 3;
        for (var y = 0; y < h; y++)
        {
            var row = y * stride;
            for (var j = 0; j < stride; j++)
            {
                var left = j >= 3 ? j - 3 : j;
                var right = j < stride - 3 ? j + 3 : j;
                tmp[row + j] = (src[row + left] + 2 * src[row + j] + src[row + right]) * 0.25f;
            }
        }
        for (var y = 0; y < h; y++)
        {
            int row = y * stride, up = Math.Max(0, y - 1) * stride, down = Math.Min(h - 1, y + 1) * stride;
            for (var j = 0; j < stride; j++)
                src[row + j] = (tmp[up + j] + 2 * tmp[row + j] + tmp[down + j]) * 0.25f;
        }
    }

    /// <summary>Colour grading (exposure, tint, saturation, contrast: together one affine map), sensor noise and
    /// 8-bit BGR output of one pixel.</summary>
    private readonly struct Grade
    {
        private readonly float m0, m1, m2, m3, m4, m5, m6, m7, m8, offset, sigma;
        private readonly uint seed;

        public Grade(DomainStyle s, uint seed)
        {
            // out = contrast · (sat · g + (1 − sat) · luma(g)) + (1 − contrast) · 0.45, with g = exposure · tint · c
            Span<float> m = stackalloc float[9];
            Span<float> lw = [0.299f, 0.587f, 0.114f];
            Span<float> g = [s.Tint.R * s.Exposure, s.Tint.G * s.Exposure, s.Tint.B * s.Exposure];
            for (var row = 0; row < 3; row++)
            for (var col = 0; col < 3; col++)
                m[row * 3 + col] = s.Contrast * ((row == col ? s.Saturation : 0) + (1 - s.Saturation) * lw[col]) * g[col];
            (m0, m1, m2, m3, m4, m5, m6, m7, m8) = (m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8]);
            offset = (1 - s.Contrast) * 0.45f;
            sigma = s.Noise * 1.7f / 1023f;
            this.seed = seed;
        }

        public void Write(Span<byte> bgr, int i, float r, float g, float b)
        {
            var h = Hash.U32(i, 0, seed);
            var common = ((int)(h & 1023) + (int)((h >> 10) & 1023) - 1023) * sigma;
            var chroma = ((int)((h >> 20) & 1023) - 511.5f) * sigma * 0.7f;
            var k = i * 3;
            bgr[k] = ToByte(m6 * r + m7 * g + m8 * b + offset + common - chroma);
            bgr[k + 1] = ToByte(m3 * r + m4 * g + m5 * b + offset + common);
            bgr[k + 2] = ToByte(m0 * r + m1 * g + m2 * b + offset + common + chroma);
        }
    }

    private static byte ToByte(float v) => (byte)Math.Clamp((int)(v * 255f + 0.5f), 0, 255);
}
