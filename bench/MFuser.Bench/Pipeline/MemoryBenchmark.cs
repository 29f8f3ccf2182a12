using System.Text.Json.Nodes;

namespace MFuser.Bench.Pipeline;

/// <summary>
/// <c>memory</c>: the daemon's resident set over a long run. To get thousands of frames in minutes on this machine it
/// runs the fixture package (models/fixture-colour-rule: a colour-rule graph of a few nodes, so the frame rate is set
/// by capture, analysis and publishing — the daemon's own per-frame path), synthetic drive, embedded broker; RSS is
/// sampled every 0.5 s. Drift = last sample vs the first sample after 10 % of the run (start-up excluded).
/// Managed bytes allocated per frame and GC counts come from the allocation probe inside the daemon (all its threads:
/// capture, inference loop, MQTT client and embedded broker), over the run after its first 20 %.
/// Targets: ≤ 1 KB managed allocation per frame; RSS within ±2 % over 10k frames.
/// </summary>
public static class MemoryBenchmark
{
    public static JsonObject Run(bool quick)
    {
        var model = Path.Combine(Repository.Root, "models", "fixture-colour-rule");
        var frames = quick ? 1000 : 10_000;
        var run = DaemonRun.Start(model, "synthetic://drive?fps=200", frames, TimeSpan.FromSeconds(quick ? 90 : 330));
        var total = run.Rss.Count == 0 ? 0 : run.Rss[^1].Seconds;
        var steady = run.Rss.Where(s => s.Seconds >= 0.1 * total).ToList();
        if (steady.Count < 2) throw new InvalidOperationException($"only {steady.Count} RSS samples in the steady part of the run");
        var drift = (steady[^1].RssMiB - steady[0].RssMiB) / steady[0].RssMiB * 100;
        Console.WriteLine($"memory: {run.FramesProcessed} frames at {run.SustainedFps:F1} frames/s; RSS {steady[0].RssMiB:F1} → {steady[^1].RssMiB:F1} MiB ({drift:+0.00;-0.00} %)");
        var result = new JsonObject
        {
            ["model"] = "fixture-colour-rule (daemon-bound frame rate)", ["source"] = "synthetic://drive?fps=200",
            ["frames"] = run.FramesProcessed, ["completed"] = run.Completed, ["fps"] = Stats.Round(run.SustainedFps, 1),
            ["frames_dropped"] = run.FramesDropped, ["load_average_1min"] = ResultFile.LoadAverage(),
            ["rss_steady_start_mib"] = Stats.Round(steady[0].RssMiB, 1), ["rss_end_mib"] = Stats.Round(steady[^1].RssMiB, 1),
            ["rss_min_mib"] = Stats.Round(steady.Min(s => s.RssMiB), 1), ["rss_max_mib"] = Stats.Round(steady.Max(s => s.RssMiB), 1),
            ["rss_drift_percent"] = Stats.Round(drift, 2),
            ["rss_samples"] = new JsonArray(run.Rss.Select(s => (JsonNode?)new JsonArray(Stats.Round(s.Seconds, 1), Stats.Round(s.RssMiB, 1))).ToArray()),
        };
        Allocation(result, run);
        return result;
    }

    /// <summary>Adds the probe's steady-state allocation figures to a result (or the reason they are missing).</summary>
    public static void Allocation(JsonObject o, DaemonRun run)
    {
        if (run.SteadyAllocation(0.2) is { } a)
        {
            o["allocated_bytes_per_frame"] = Stats.Round(a.BytesPerFrame, 0);
            o["allocation_window_frames"] = Stats.Round(a.Frames, 0);
            o["gc_gen0_gen1_gen2_in_window"] = new JsonArray(a.Gen0, a.Gen1, a.Gen2);
            var last = run.Probe[^1];
            o["gc_gen0_gen1_gen2_whole_run"] = new JsonArray(last.Gen0, last.Gen1, last.Gen2);
            Console.WriteLine($"  managed allocation {a.BytesPerFrame:F0} B/frame over ~{a.Frames:F0} frames; GCs gen0/1/2 {a.Gen0}/{a.Gen1}/{a.Gen2}");
        }
        else o["allocation_note"] = $"not measured: the allocation probe wrote {run.Probe.Count} samples (startup hook not loaded?)";
    }
}
