using System.Diagnostics;
using System.Text.Json.Nodes;
using MFuser.Bench.Model;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Onnx.Scan;
using MFuser.Scenes;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Bench.Pipeline;

/// <summary>
/// <c>pipeline</c>: the daemon's sustained throughput on MFuser-tiny (random weights, fused scan, synthetic drive,
/// embedded broker, one ORT thread) against bare <c>session.Run</c> throughput of the same model file and thread
/// count, measured before and after the daemon run (their mean is the reference, their spread says how much the
/// load moved); the daemon's capture→publish and inference latency percentiles and dropped frames from its run
/// summary; CPU milliseconds per frame of the whole daemon process (start-up included) next to the bare loop's.
/// The synthetic camera renders its frames inside the daemon, on the same two cores. Targets: daemon ≥ 0.95× bare; capture→publish p99 ≤ inference p99 + 10 ms.
/// </summary>
public static class PipelineBenchmark
{
    public static JsonObject Run(bool quick)
    {
        var cfg = MFuserPresets.Tiny();
        var model = ExportedModels.Export(cfg, ScanVariant.Fused, ScanVariant.Portable)[ScanVariant.Fused];
        var frames = quick ? 20 : 80;
        var before = Bare(model, cfg, frames);
        var daemon = DaemonRun.Start(Path.GetDirectoryName(model)!, "synthetic://drive", frames, TimeSpan.FromSeconds(quick ? 150 : 400));
        var after = Bare(model, cfg, frames);
        var bareFps = (before.Fps + after.Fps) / 2;
        var inference = daemon.LatencyMs.GetValueOrDefault("inference");
        var c2p = daemon.LatencyMs.GetValueOrDefault("capture_to_publish");
        Console.WriteLine($"pipeline: daemon {daemon.SustainedFps:F2} frames/s vs bare {before.Fps:F2} / {after.Fps:F2}; capture→publish p99 {c2p?[2]} ms, inference p99 {inference?[2]} ms; dropped {daemon.FramesDropped}");
        var result = new JsonObject
        {
            ["model"] = $"{cfg.Name} (random weights, seed {ExportedModels.Seed}), fused scan, 1 ORT thread",
            ["source"] = "synthetic://drive", ["frames"] = daemon.FramesProcessed,
            ["load_average_1min"] = ResultFile.LoadAverage(),
            ["daemon_fps"] = Stats.Round(daemon.SustainedFps, 3),
            ["bare_fps"] = Stats.Round(bareFps, 3),
            ["bare_fps_before"] = Stats.Round(before.Fps, 3), ["bare_fps_after"] = Stats.Round(after.Fps, 3),
            ["daemon_over_bare"] = Stats.Round(daemon.SustainedFps / bareFps, 3),
            ["bare_inference_p50_ms"] = Stats.Round(Stats.Percentile(before.Ms.Concat(after.Ms).ToList(), 50), 2),
            ["bare_inference_p99_ms"] = Stats.Round(Stats.Percentile(before.Ms.Concat(after.Ms).ToList(), 99), 2),
            ["inference_p50_ms"] = inference?[0], ["inference_p99_ms"] = inference?[2],
            ["capture_to_publish_p50_ms"] = c2p?[0], ["capture_to_publish_p99_ms"] = c2p?[2],
            ["daemon_cpu_ms_per_frame"] = Stats.Round(daemon.CpuSeconds * 1e3 / daemon.FramesProcessed, 1),
            ["bare_cpu_ms_per_frame"] = Stats.Round((before.CpuMsPerFrame + after.CpuMsPerFrame) / 2, 1),
            ["frames_captured"] = daemon.FramesCaptured, ["frames_dropped"] = daemon.FramesDropped,
            ["stages_ms_p50_p90_p99_max"] = new JsonObject(daemon.LatencyMs.Select(kv =>
                KeyValuePair.Create(kv.Key, (JsonNode?)new JsonArray(kv.Value.Select(v => (JsonNode?)v).ToArray())))),
            ["target_daemon_over_bare"] = 0.95,
        };
        MemoryBenchmark.Allocation(result, daemon);
        return result;
    }

    private sealed record BareRun(double Fps, List<double> Ms, double CpuMsPerFrame);

    /// <summary>Back-to-back session.Run on one rendered frame (one untimed warm-up run).</summary>
    private static BareRun Bare(string modelPath, MFuserConfig cfg, int frames)
    {
        var (w, h) = (cfg.ImageWidth, cfg.ImageHeight);
        var bgr = new byte[w * h * 3];
        new SceneRenderer().Render(1, Domain.Clear, w, h, bgr, new byte[w * h]);
        using var session = OrtSessions.Create(modelPath, threads: 1, customOps: true);
        using var image = OrtValue.CreateTensorValueFromMemory(bgr, [1, h, w, 3]);
        using var run = new RunOptions();
        string[] inputs = [ModelIo.Image];
        var outputs = session.OutputNames.ToArray();
        using (session.Run(run, inputs, [image], outputs)) { }
        var ms = new List<double>(frames);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var total = Stopwatch.StartNew();
        for (var i = 0; i < frames; i++)
        {
            var t = Stopwatch.StartNew();
            using (session.Run(run, inputs, [image], outputs)) { }
            ms.Add(t.Elapsed.TotalMilliseconds);
        }
        var cpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds / frames;
        return new BareRun(frames / total.Elapsed.TotalSeconds, ms, cpuMs);
    }
}
