using MFuser.Scenes.World;

namespace MFuser.Scenes.Rendering;

/// <summary>The per-pixel buffers of one frame (allocated once per size and reused) and the rasterisation of
/// primitives into them with a depth test, which runs before any shading so that each pixel is shaded by few
/// surfaces when objects arrive near→far. Colour is stored as albedo and emission; lighting is applied later
/// by <see cref="DomainLook"/> so one geometry pass serves every domain.</summary>
public sealed class Raster
{
    public int Width { get; private set; }
    public int Height { get; private set; }
    public float[] Albedo { get; private set; } = [];
    public float[] Emission { get; private set; } = [];
    public float[] Depth { get; private set; } = [];
    /// <summary>Direct sunlight reaching the pixel, 0..1 (orientation and cast shadows).</summary>
    public float[] Sun { get; private set; } = [];
    /// <summary>Ambient occlusion, 0..1 (contact shadows under vehicles and trees).</summary>
    public float[] Ambient { get; private set; } = [];
    public byte[] Labels { get; private set; } = [];
    public CameraRig Camera { get; set; }
    public Palette Palette { get; set; } = Palette.CityA;

    public void Resize(int width, int height)
    {
        if (width == Width && height == Height) return;
        Width = width; Height = height;
        var n = width * height;
        Albedo = new float[n * 3]; Emission = new float[n * 3];
        Depth = new float[n]; Sun = new float[n]; Ambient = new float[n]; Labels = new byte[n];
    }

    /// <summary>Marks every pixel empty (depth +∞) and clears emission; objects are drawn next, then the ground and
    /// sky pass fills the pixels no object covered.</summary>
    public void BeginFrame()
    {
        Array.Clear(Emission);
        Array.Fill(Depth, float.PositiveInfinity);
    }

    /// <summary>True where no object has been drawn yet.</summary>
    public bool IsEmpty(int i) => float.IsPositiveInfinity(Depth[i]);

    public void Draw(in Prim p)
    {
        switch (p.Shape)
        {
            case PrimShape.Quad: DrawQuad(p); break;
            case PrimShape.Billboard: DrawBillboard(p); break;
            case PrimShape.Shadow: DrawShadow(p); break;
        }
    }

    private void DrawQuad(in Prim q)
    {
        float x0 = q.X0, z0 = q.Z0, x1 = q.X1, z1 = q.Z1, u0 = q.U0, u1 = q.U1;
        const float near = CameraRig.Near;
        if (z0 < near && z1 < near) return;
        if (z0 < near || z1 < near)
        {
            // Clip the end behind the near plane.
            var t = (near - z0) / (z1 - z0);
            var xc = x0 + (x1 - x0) * t; var uc = u0 + (u1 - u0) * t;
            if (z0 < near) { x0 = xc; z0 = near; u0 = uc; } else { x1 = xc; z1 = near; u1 = uc; }
        }
        var cam = Camera;
        var f = cam.Focal;
        var s0 = cam.Cx + f * x0 / z0;
        var s1 = cam.Cx + f * x1 / z1;
        if (s0 > s1) { (s0, s1) = (s1, s0); (z0, z1) = (z1, z0); (u0, u1) = (u1, u0); }
        var c0 = Math.Max(0, (int)MathF.Ceiling(s0 - 0.5f));
        var c1 = Math.Min(Width - 1, (int)MathF.Floor(s1 - 0.5f));
        if (c0 > c1) return;
        float iz0 = 1 / z0, iz1 = 1 / z1, uz0 = u0 * iz0, uz1 = u1 * iz1;
        var span = s1 - s0;
        var length = MathF.Abs(q.U1 - q.U0);
        var height = q.Y1 - q.Y0;
        for (var x = c0; x <= c1; x++)
        {
            var t = span > 1e-4f ? (x + 0.5f - s0) / span : 0.5f;
            var iz = iz0 + (iz1 - iz0) * t;
            var z = 1 / iz;
            var a = (uz0 + (uz1 - uz0) * t) * z;
            Column(q, x, z, a, length, height);
        }
    }

    private void DrawBillboard(in Prim q)
    {
        var z = q.Z0;
        if (z < CameraRig.Near) return;
        var cam = Camera;
        var scale = cam.Focal / z;
        var left = cam.Cx + (q.X0 - q.X1) * scale;
        var right = cam.Cx + (q.X0 + q.X1) * scale;
        var c0 = Math.Max(0, (int)MathF.Ceiling(left - 0.5f));
        var c1 = Math.Min(Width - 1, (int)MathF.Floor(right - 0.5f));
        var width = 2 * q.X1;
        // Keep thin, distant objects (poles, sign posts) at least one pixel wide so they do not flicker away.
        if (c0 > c1)
        {
            var centre = (int)MathF.Floor(cam.Cx + q.X0 * scale);
            if (centre < 0 || centre >= Width || width * scale < 0.35f) return;
            c0 = c1 = centre;
        }
        var height = q.Y1 - q.Y0;
        for (var x = c0; x <= c1; x++)
        {
            var a = Math.Clamp((x + 0.5f - left) / scale, 0, width);
            Column(q, x, z, a, width, height);
        }
    }

    /// <summary>Fills one screen column of a surface at depth <paramref name="z"/>.</summary>
    private void Column(in Prim q, int x, float z, float a, float width, float height)
    {
        var cam = Camera;
        var scale = cam.Focal / z;
        var top = cam.Cy + (cam.Height - q.Y1) * scale;
        var bottom = cam.Cy + (cam.Height - q.Y0) * scale;
        var r0 = Math.Max(0, (int)MathF.Ceiling(top - 0.5f));
        var r1 = Math.Min(Height - 1, (int)MathF.Floor(bottom - 0.5f));
        if (r0 > r1)
        {
            // Sub-pixel tall surfaces still get their row when they cover a pixel centre's neighbourhood.
            var mid = (int)MathF.Floor((top + bottom) * 0.5f);
            if (mid < 0 || mid >= Height || bottom - top < 0.35f) return;
            r0 = r1 = mid;
        }
        var inv = 1 / scale;
        var palette = Palette;
        float[] depth = Depth, sun = Sun, ambient = Ambient, albedoBuf = Albedo, emission = Emission;
        var labels = Labels;
        var w = Width;
        for (var y = r0; y <= r1; y++)
        {
            var i = y * w + x;
            if (z > depth[i]) continue;
            var b = Math.Clamp(bottom - (y + 0.5f), 0, bottom - top) * inv;
            if (!Materials.Shade(q, a, b, width, height, palette, out var albedo, out var emit)) continue;
            depth[i] = z;
            labels[i] = q.Label;
            sun[i] = q.Sun;
            ambient[i] = 1f;
            var k = i * 3;
            albedoBuf[k] = albedo.R; albedoBuf[k + 1] = albedo.G; albedoBuf[k + 2] = albedo.B;
            emission[k] = emit.R; emission[k + 1] = emit.G; emission[k + 2] = emit.B;
        }
    }

    private void DrawShadow(in Prim q)
    {
        var cam = Camera;
        var zNear = Math.Max(q.Z0, CameraRig.Near);
        var zFar = q.Z1;
        if (zFar <= zNear) return;
        var f = cam.Focal;
        var r0 = Math.Max(0, (int)MathF.Ceiling(cam.Cy + f * cam.Height / zFar - 0.5f));
        var r1 = Math.Min(Height - 1, (int)MathF.Floor(cam.Cy + f * cam.Height / zNear - 0.5f));
        for (var y = r0; y <= r1; y++)
        {
            var z = f * cam.Height / (y + 0.5f - cam.Cy);
            var c0 = Math.Max(0, (int)MathF.Ceiling(cam.Cx + f * q.X0 / z - 0.5f));
            var c1 = Math.Min(Width - 1, (int)MathF.Floor(cam.Cx + f * q.X1 / z - 0.5f));
            var row = y * Width;
            for (var x = c0; x <= c1; x++)
            {
                var i = row + x;
                if (Depth[i] < z * 0.995f) continue; // something stands in front of this ground point (drawn after the ground)
                Sun[i] *= 1 - q.Sun;
                Ambient[i] *= 0.55f;
            }
        }
    }
}
