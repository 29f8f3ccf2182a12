namespace MFuser.Scenes.Rendering;

/// <summary>Everything a domain changes about appearance: illumination, sky, atmosphere, weather, colour grading
/// and sensor defects. Geometry and labels are untouched (the <c>mount</c> domain's camera change lives in
/// <see cref="World.CameraRig"/>).</summary>
public sealed record DomainStyle
{
    public Palette Palette { get; init; } = Palette.CityA;
    public Col Ambient { get; init; } = new(0.42f, 0.45f, 0.5f);
    public Col Sun { get; init; } = new(0.72f, 0.69f, 0.62f);
    public Col SkyZenith { get; init; } = new(0.28f, 0.48f, 0.85f);
    public Col SkyHorizon { get; init; } = new(0.72f, 0.8f, 0.92f);
    public Col CloudColour { get; init; } = new(0.93f, 0.93f, 0.95f);
    public float CloudCover { get; init; } = 0.3f;
    /// <summary>Aerial perspective, per metre (applies to geometry, not to the sky).</summary>
    public float Haze { get; init; } = 0.0015f;
    /// <summary>Fog extinction per metre; the sky turns to fog colour too.</summary>
    public float Fog { get; init; }
    public Col FogColour { get; init; } = new(0.72f, 0.8f, 0.92f);
    /// <summary>Scale of emission (lit windows, lamps, vehicle lights).</summary>
    public float Emissive { get; init; } = 0.1f;
    /// <summary>Illumination by street lamps and vehicle headlights (0 in daylight).</summary>
    public float Artificial { get; init; }
    /// <summary>Screen-space glow around visible lights.</summary>
    public float Glow { get; init; }
    /// <summary>The ego vehicle's low beams light the road ahead.</summary>
    public bool EgoHeadlights { get; init; }
    public float Saturation { get; init; } = 1f;
    public float Contrast { get; init; } = 1f;
    public float Exposure { get; init; } = 1f;
    public Col Tint { get; init; } = new(1f, 1f, 1f);
    /// <summary>Wet-road darkening and mirror reflections, 0..1.</summary>
    public float Wet { get; init; }
    public int RainStreaks { get; init; }
    /// <summary>Snow on upward-facing surfaces, 0..1.</summary>
    public float SnowCover { get; init; }
    public int SnowFlakes { get; init; }
    /// <summary>Sensor noise standard deviation (0..1 units).</summary>
    public float Noise { get; init; } = 0.004f;
    /// <summary>Optical blur: passes of a 3×3 binomial kernel.</summary>
    public int BlurPasses { get; init; }
    /// <summary>JPEG-like block compression quality 1..100; 0 = off.</summary>
    public int JpegQuality { get; init; }

    public static DomainStyle For(Domain domain) => domain switch
    {
        Domain.Clear or Domain.Mount => new DomainStyle(),
        Domain.Overcast => new DomainStyle
        {
            Ambient = new(0.66f, 0.67f, 0.69f), Sun = new(0.06f, 0.06f, 0.06f), SkyZenith = new(0.6f, 0.62f, 0.65f),
            SkyHorizon = new(0.78f, 0.79f, 0.8f), CloudColour = new(0.55f, 0.56f, 0.58f), CloudCover = 0.9f,
            Haze = 0.004f, FogColour = new(0.75f, 0.76f, 0.77f), Saturation = 0.7f, Contrast = 0.88f,
        },
        Domain.Dusk => new DomainStyle
        {
            Ambient = new(0.25f, 0.2f, 0.24f), Sun = new(0.8f, 0.42f, 0.18f), SkyZenith = new(0.16f, 0.16f, 0.4f),
            SkyHorizon = new(0.98f, 0.55f, 0.28f), CloudColour = new(0.85f, 0.45f, 0.35f), CloudCover = 0.45f,
            Haze = 0.003f, FogColour = new(0.8f, 0.5f, 0.35f), Emissive = 0.6f, Artificial = 0.35f, Glow = 0.5f,
            Exposure = 0.92f, Tint = new(1.05f, 0.95f, 0.9f),
        },
        Domain.Night => new DomainStyle
        {
            Ambient = new(0.025f, 0.03f, 0.045f), Sun = default, SkyZenith = new(0.005f, 0.008f, 0.025f),
            SkyHorizon = new(0.05f, 0.05f, 0.08f), CloudColour = new(0.06f, 0.06f, 0.07f), CloudCover = 0.3f,
            Haze = 0.002f, FogColour = new(0.04f, 0.04f, 0.06f), Emissive = 0.9f, Artificial = 0.7f, Glow = 1f,
            EgoHeadlights = true, Noise = 0.02f, Saturation = 0.85f,
        },
        Domain.Fog => new DomainStyle
        {
            Ambient = new(0.72f, 0.73f, 0.75f), Sun = new(0.05f, 0.05f, 0.05f), SkyZenith = new(0.7f, 0.72f, 0.74f),
            SkyHorizon = new(0.7f, 0.72f, 0.74f), CloudCover = 0f, Fog = 0.045f, FogColour = new(0.7f, 0.72f, 0.74f),
            Saturation = 0.75f, Emissive = 0.2f, Glow = 0.3f,
        },
        Domain.Rain => new DomainStyle
        {
            Ambient = new(0.4f, 0.42f, 0.46f), Sun = new(0.04f, 0.04f, 0.04f), SkyZenith = new(0.34f, 0.36f, 0.4f),
            SkyHorizon = new(0.5f, 0.52f, 0.55f), CloudColour = new(0.3f, 0.31f, 0.33f), CloudCover = 0.8f,
            Haze = 0.009f, FogColour = new(0.5f, 0.52f, 0.55f), Wet = 0.75f, RainStreaks = 300, Saturation = 0.75f,
            Contrast = 0.92f, Exposure = 0.9f, Emissive = 0.35f, Glow = 0.3f,
        },
        Domain.Snow => new DomainStyle
        {
            Ambient = new(0.68f, 0.7f, 0.76f), Sun = new(0.2f, 0.2f, 0.2f), SkyZenith = new(0.7f, 0.72f, 0.77f),
            SkyHorizon = new(0.86f, 0.87f, 0.9f), CloudColour = new(0.8f, 0.81f, 0.84f), CloudCover = 0.7f,
            Haze = 0.007f, FogColour = new(0.85f, 0.86f, 0.9f), SnowCover = 0.85f, SnowFlakes = 700,
            Saturation = 0.8f,
        },
        Domain.CityB => new DomainStyle
        {
            Palette = Palette.CityB, Sun = new(0.78f, 0.7f, 0.55f), SkyZenith = new(0.4f, 0.55f, 0.75f),
            SkyHorizon = new(0.85f, 0.85f, 0.82f), CloudCover = 0.15f, Haze = 0.003f, FogColour = new(0.85f, 0.85f, 0.82f),
            Tint = new(1.03f, 1f, 0.94f),
        },
        Domain.Sensor => new DomainStyle
        {
            Exposure = 1.45f, BlurPasses = 1, Noise = 0.06f, JpegQuality = 18, Contrast = 1.1f,
        },
        _ => throw new ArgumentOutOfRangeException(nameof(domain), domain, "no style for this domain"),
    };
}
