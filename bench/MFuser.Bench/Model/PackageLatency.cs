using System.CommandLine;
using System.Text.Json.Nodes;
using MFuser.ModelPackage.Manifest;
using MFuser.Scenes;

namespace MFuser.Bench.Model;

/// <summary>
/// <c>model-packages</c>: per-frame CPU latency of trained model packages side by side (the bundled model before and
/// after a retraining): each package's <c>model.onnx</c> in ORT CPU with the fused scan, one thread, the same
/// synthetic frame, interleaved runs; medians and p95 of wall-clock and thread CPU time, and each package's
/// CPU median relative to the first. Target when replacing the bundled model: at most 15 % slower.
/// </summary>
public static class PackageLatency
{
    public const int Threads = 1;

    public static Command Create()
    {
        var packages = new Option<string[]>("--package")
        {
            Description = "model package folder (model.json, model.onnx); repeat, the first is the reference",
            Required = true, AllowMultipleArgumentsPerToken = true,
        };
        var rounds = new Option<int>("--rounds") { Description = "timed runs per package", DefaultValueFactory = _ => 60 };
        var output = new Option<string>("--out") { Description = "results folder", DefaultValueFactory = _ => ResultFile.DefaultDirectory() };
        var command = new Command("model-packages", "per-frame CPU latency of model packages side by side (ORT fused, 1 thread)")
        {
            packages, rounds, output,
        };
        command.SetAction(parse =>
        {
            var dirs = parse.GetValue(packages)!;
            var manifests = new List<ModelManifest>();
            foreach (var dir in dirs)
            {
                try { manifests.Add(ManifestReader.ReadPackage(dir)); }
                catch (Exception e) when (e is ModelPackageException or IOException)
                {
                    Console.Error.WriteLine($"model-packages: {dir} is not a readable model package: {e.Message}");
                    return 2;
                }
            }
            var result = Run(dirs, manifests, parse.GetValue(rounds));
            Console.WriteLine($"wrote {ResultFile.Write(parse.GetValue(output)!, "model-packages", result)}");
            return 0;
        });
        return command;
    }

    private static JsonObject Run(IReadOnlyList<string> dirs, IReadOnlyList<ModelManifest> manifests, int rounds)
    {
        var (w, h) = (manifests[0].Input.Width, manifests[0].Input.Height);
        if (manifests.Any(m => m.Input.Width != w || m.Input.Height != h))
            throw new ArgumentException("model-packages: the packages take different input sizes; compare packages of one input size");
        var bgr = new byte[w * h * 3];
        new SceneRenderer().Render(1, Domain.Clear, w, h, bgr, new byte[w * h]);
        var models = dirs.Select((d, i) => new OrtModel(Path.Combine(d, manifests[i].OnnxFile), Threads,
            customOps: manifests[i].CustomOp is not null, bgr, h, w)).ToList();
        try
        {
            var names = dirs.Select((d, i) => $"{i}:{Path.GetFileName(Path.TrimEndingDirectorySeparator(d))}").ToArray();
            var samples = Interleaved.Run(rounds, 600, models.Select((m, i) => (names[i], (Action)m.Run)).ToArray());
            var rows = new JsonArray();
            for (var i = 0; i < samples.Length; i++)
            {
                var s = samples[i];
                rows.Add(new JsonObject
                {
                    ["package"] = dirs[i], ["name"] = manifests[i].Name, ["version"] = manifests[i].Version, ["runs"] = s.WallMs.Count,
                    ["wall_ms_median"] = Stats.Round(s.WallMedian, 2), ["wall_ms_p95"] = Stats.Round(s.WallP95, 2),
                    ["cpu_ms_median"] = Stats.Round(s.CpuMedian, 2), ["cpu_ms_p95"] = Stats.Round(s.CpuP95, 2),
                    ["cpu_median_over_first"] = Stats.Round(s.CpuMedian / samples[0].CpuMedian, 3),
                });
                Console.WriteLine($"package {names[i],-24} wall {s.WallMedian,8:F1} ms (p95 {s.WallP95:F1}), CPU {s.CpuMedian,8:F1} ms " +
                                  $"(p95 {s.CpuP95:F1}), CPU/first {s.CpuMedian / samples[0].CpuMedian:F3}");
            }
            return new JsonObject
            {
                ["input"] = $"synthetic frame {w}x{h} BGR uint8 (clear domain, seed 1)", ["threads"] = Threads,
                ["load_average_1min"] = ResultFile.LoadAverage(), ["rows"] = rows, ["target_max_slowdown"] = 1.15,
            };
        }
        finally
        {
            foreach (var m in models) m.Dispose();
        }
    }
}
