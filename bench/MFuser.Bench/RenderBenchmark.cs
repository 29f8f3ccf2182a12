using System.CommandLine;
using System.Text.Json.Nodes;
using MFuser.Scenes;
using MFuser.Scenes.Drive;

namespace MFuser.Bench;

/// <summary><c>render</c>: synthetic-scene render speed on one thread, per domain, for single scenes (a new seed
/// every frame, as the training stack draws them) and for the continuous drive (the daemon's synthetic camera).
/// Target: ≥ 100 frames/s at 512×256 so the renderer never limits training or the demo.</summary>
public static class RenderBenchmark
{
    public static Command Create()
    {
        var size = new Option<string>("--size") { Description = "image size WIDTHxHEIGHT", DefaultValueFactory = _ => "512x256" };
        var frames = new Option<int>("--frames") { Description = "frames per timed repeat", DefaultValueFactory = _ => 30 };
        var repeats = new Option<int>("--repeats") { Description = "timed repeats (the median is reported)", DefaultValueFactory = _ => 5 };
        var warmup = new Option<int>("--warmup") { Description = "untimed frames first (lets tiered JIT optimise)", DefaultValueFactory = _ => 40 };
        var domains = new Option<string>("--domains") { Description = "comma-separated domains, or 'all'", DefaultValueFactory = _ => "all" };
        var output = new Option<string>("--out") { Description = "results folder", DefaultValueFactory = _ => ResultFile.DefaultDirectory() };
        var command = new Command("render", "synthetic scene render speed, single thread") { size, frames, repeats, warmup, domains, output };
        command.SetAction(parse =>
        {
            ImageSize s;
            Domain[] list;
            try
            {
                s = ImageSize.Parse(parse.GetValue(size)!);
                list = parse.GetValue(domains) is "all" or null ? Domains.All.ToArray()
                    : parse.GetValue(domains)!.Split(',').Select(Domains.Parse).ToArray();
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                Console.Error.WriteLine($"render: {e.Message}");
                return 2;
            }
            var result = Run(s, list, parse.GetValue(frames), parse.GetValue(repeats), parse.GetValue(warmup));
            Console.WriteLine($"wrote {ResultFile.Write(parse.GetValue(output)!, "render", result)}");
            return 0;
        });
        return command;
    }

    /// <summary>The suite's render part: 512×256, every domain (quick: fewer frames and repeats).</summary>
    public static JsonObject RunForSuite(bool quick) =>
        Run(ImageSize.Parse("512x256"), Domains.All.ToArray(), quick ? 10 : 30, quick ? 3 : 5, quick ? 10 : 40);

    private static JsonObject Run(ImageSize size, Domain[] domains, int frames, int repeats, int warmup)
    {
        var (w, h) = size;
        var bgr = new byte[w * h * 3];
        var labels = new byte[w * h];
        var scenes = new JsonArray();
        var renderer = new SceneRenderer();
        foreach (var domain in domains)
        {
            var m = Runner.Measure(i => renderer.Render(i, domain, w, h, bgr, labels), warmup, repeats, frames);
            scenes.Add(Row(domain.Name(), m));
            Print("scene", domain.Name(), m);
        }
        var drive = new JsonArray();
        foreach (var domain in domains)
        {
            var sim = new DriveSimulator(new DriveOptions { Size = size, Schedule = WeatherSchedule.Constant(domain) });
            var m = Runner.Measure(_ => sim.Next(bgr, labels), warmup, repeats, frames);
            drive.Add(Row(domain.Name(), m));
            Print("drive", domain.Name(), m);
        }
        var reference = Runner.ReferenceLoopNanoseconds();
        Console.WriteLine($"reference loop {reference:F2} ns/pixel (about 1 on an idle core)");
        return new JsonObject
        {
            ["reference_loop_ns_per_pixel"] = Math.Round(reference, 2),
            ["width"] = w, ["height"] = h, ["threads"] = 1, ["warmup_frames"] = warmup, ["repeats"] = repeats,
            ["frames_per_repeat"] = frames, ["target_fps"] = 100,
            ["scenes"] = scenes, ["drive"] = drive,
        };
    }

    private static JsonObject Row(string domain, Runner.Measurement m) => new()
    {
        ["domain"] = domain,
        ["fps_median"] = Math.Round(m.MedianPerSecond, 1),
        ["fps_min"] = Math.Round(m.MinPerSecond, 1),
        ["fps_max"] = Math.Round(m.MaxPerSecond, 1),
        ["ms_per_frame_median"] = Math.Round(m.MedianMilliseconds, 2),
        ["fps_per_cpu_second_median"] = Math.Round(m.MedianPerCpuSecond, 1),
        ["allocated_bytes_per_frame"] = Math.Round(m.AllocatedBytesPerOperation, 1),
    };

    private static void Print(string mode, string domain, Runner.Measurement m) =>
        Console.WriteLine($"{mode,-6} {domain,-9} {m.MedianPerSecond,7:F1} frames/s wall (min {m.MinPerSecond:F1}, " +
                          $"max {m.MaxPerSecond:F1}), {m.MedianPerCpuSecond,7:F1} frames per CPU-second, {m.AllocatedBytesPerOperation:F0} B/frame");
}
