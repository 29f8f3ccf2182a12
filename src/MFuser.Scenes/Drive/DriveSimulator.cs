using MFuser.Scenes.Randomness;
using MFuser.Scenes.Rendering;
using MFuser.Scenes.World;

namespace MFuser.Scenes.Drive;

/// <summary>A continuous synthetic drive: the ego vehicle follows an endless street at constant speed, traffic
/// and pedestrians move on, and the weather follows a <see cref="WeatherSchedule"/>. Each <see cref="Next"/>
/// renders the following frame (BGR interleaved, OpenCV's native order, plus its train-id label map) at simulated
/// time FrameIndex / Fps; frames are a pure function of the options, so a drive can be replayed exactly.
/// Steady state allocates nothing per frame. Not thread-safe.</summary>
public sealed class DriveSimulator
{
    private readonly SceneWorld world = new();
    private readonly FramePipeline pipeline = new();
    private readonly CameraRig[] rigs = new CameraRig[Domains.All.Count];

    /// <exception cref="ArgumentOutOfRangeException">Fps outside (0, 240] or speed outside [0, 40] m/s.</exception>
    public DriveSimulator(DriveOptions options)
    {
        if (!(options.Fps > 0 && options.Fps <= 240))
            throw new ArgumentOutOfRangeException(nameof(options), $"drive fps {options.Fps} is outside (0, 240]");
        if (!(options.Speed >= 0 && options.Speed <= 40))
            throw new ArgumentOutOfRangeException(nameof(options), $"drive speed {options.Speed} m/s is outside [0, 40]");
        Options = options;
        world.Reset(options.Seed, options.Speed, 0);
        foreach (var d in Domains.All)
            rigs[(int)d] = CameraRig.ForSeed(options.Seed, d, options.Size.Width, options.Size.Height, world.EgoOffset);
        Domain = options.Schedule.DomainAt(0);
    }

    /// <summary>A drive from a <c>synthetic://drive?...</c> URI (see <see cref="DriveOptions.FromUri"/>).</summary>
    public static DriveSimulator FromUri(Uri uri) => new(DriveOptions.FromUri(uri));

    public DriveOptions Options { get; }
    public int Width => Options.Size.Width;
    public int Height => Options.Size.Height;
    public double Fps => Options.Fps;
    /// <summary>Index of the frame last produced by <see cref="Next"/> (0 for the first); -1 before any.</summary>
    public long FrameIndex { get; private set; } = -1;
    /// <summary>Simulated time of the last frame since the start of the drive.</summary>
    public TimeSpan Time => TimeSpan.FromSeconds(Math.Max(FrameIndex, 0) / Options.Fps);
    /// <summary>Domain of the last frame (before the first frame: the domain at time zero).</summary>
    public Domain Domain { get; private set; }
    /// <summary>Arc length the ego vehicle has travelled (metres).</summary>
    public double Distance { get; private set; }

    /// <summary>Renders the next frame into <paramref name="bgr"/> (H·W·3) and <paramref name="labels"/> (H·W).</summary>
    public void Next(Span<byte> bgr, Span<byte> labels)
    {
        SceneRenderer.CheckBuffers(Width, Height, bgr.Length, labels.Length);
        var dt = 1 / Options.Fps;
        if (FrameIndex >= 0) world.Traffic.Step((float)dt, Options.Speed * (FrameIndex + 1) * dt);
        FrameIndex++;
        var t = FrameIndex * dt;
        Distance = Options.Speed * t;
        Domain = Options.Schedule.DomainAt(t);
        var rig = rigs[(int)Domain];
        // A gentle weave inside the lane and a little road vibration on the horizon.
        rig = rig with
        {
            LateralOffset = world.EgoOffset + 0.25f * MathF.Sin((float)(t * 2 * Math.PI / 9)),
            Cy = rig.Cy + 0.4f * MathF.Sin((float)(t * 2 * Math.PI * 1.3)),
        };
        pipeline.Render(world, rig, Distance, Domain, Hash.Mix((ulong)Options.Seed, (ulong)FrameIndex, (ulong)Domain),
            Width, Height, bgr, labels);
    }
}
