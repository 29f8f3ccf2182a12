using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MFuser.Bench.Pipeline;

/// <summary>
/// One bounded run of the real daemon (<c>mfuser-edge run --max-frames N --broker embedded</c>) as a child process,
/// one ORT intra-op thread, the selective-scan library from native/selective_scan/build. Its JSON log (stdout is not
/// a terminal) gives the run summary; its RSS is sampled from /proc/&lt;pid&gt;/status while it runs, and the
/// allocation probe (bench/MFuser.Bench.AllocationProbe, loaded through DOTNET_STARTUP_HOOKS) samples its managed
/// allocation and GC counts from inside.
/// </summary>
public sealed partial class DaemonRun
{
    public readonly record struct ProbeSample(DateTime At, long AllocatedBytes, int Gen0, int Gen1, int Gen2, long HeapBytes);

    /// <summary>Managed bytes allocated per processed frame by the whole daemon process, and GC counts, over the
    /// part of the processing window after <paramref name="skipFraction"/> of it (JIT and first-use allocations
    /// excluded); frames in that part are counted at the run's sustained rate.</summary>
    public (double BytesPerFrame, double Frames, int Gen0, int Gen1, int Gen2, ProbeSample First, ProbeSample Last)?
        SteadyAllocation(double skipFraction)
    {
        var from = RunningAt + (SummaryAt - RunningAt) * skipFraction;
        var window = Probe.Where(p => p.At >= from && p.At <= SummaryAt).ToList();
        if (window.Count < 2) return null;
        var (a, b) = (window[0], window[^1]);
        var frames = SustainedFps * (b.At - a.At).TotalSeconds;
        return ((b.AllocatedBytes - a.AllocatedBytes) / frames, frames, b.Gen0 - a.Gen0, b.Gen1 - a.Gen1, b.Gen2 - a.Gen2, a, b);
    }

    public required long FramesProcessed { get; init; }
    public required long FramesCaptured { get; init; }
    public required long FramesDropped { get; init; }

    /// <summary>Frames the stage thread had no time for (the newest completed frame replaced them).</summary>
    public required long FramesSkipped { get; init; }
    /// <summary>Processed frames per second between the "running" and "run summary" log lines (start-up excluded).</summary>
    public required double SustainedFps { get; init; }
    /// <summary>Stage → (p50, p90, p99, max) in ms, from the run summary.</summary>
    public required Dictionary<string, double[]> LatencyMs { get; init; }
    /// <summary>CPU seconds (user + system, all threads) the daemon had used at the last sample.</summary>
    public required double CpuSeconds { get; init; }
    /// <summary>The daemon's own view of its managed heap, sampled by the allocation probe (a startup hook).</summary>
    public required List<ProbeSample> Probe { get; init; }
    /// <summary>When the process was started (UTC); <see cref="Rss"/> seconds count from here.</summary>
    public required DateTime StartedAt { get; init; }
    public required DateTime RunningAt { get; init; }
    public required DateTime SummaryAt { get; init; }
    /// <summary>(seconds since start, RSS MiB) samples.</summary>
    public required List<(double Seconds, double RssMiB)> Rss { get; init; }
    /// <summary>False when the run hit its time limit and was stopped with SIGTERM before --max-frames.</summary>
    public required bool Completed { get; init; }

    /// <summary>The daemon executable: artifacts/mfuser-edge (./build.sh publish) if present, else the Release build output.</summary>
    public static string Executable()
    {
        foreach (var path in new[] { Path.Combine(Repository.Root, "artifacts", "mfuser-edge", "mfuser-edge"),
                     Path.Combine(Repository.Root, "src", "MFuser.Edge", "bin", "Release", "net10.0", "linux-x64", "mfuser-edge") })
            if (File.Exists(path)) return path;
        throw new FileNotFoundException("mfuser-edge is not built: run `dotnet build src/MFuser.Edge -c Release` or `./build.sh publish`");
    }

    /// <summary>How to run it: <paramref name="Broker"/> is <c>embedded</c> (MQTTnet's broker inside the daemon, so
    /// its allocation counts too) or an <c>mqtt://</c> URL; <paramref name="Environment"/> adds MFUSER_* settings;
    /// <paramref name="SitesAfterSeconds"/> turns on the probe's per-thread/type allocation sample from that many
    /// seconds after start.</summary>
    public sealed record Options(string Broker = "embedded", IReadOnlyDictionary<string, string>? Environment = null,
        double? SitesAfterSeconds = null);

    /// <summary>The probe's allocation sample (thread, type, bytes) after <see cref="Options.SitesAfterSeconds"/>;
    /// empty when it was off.</summary>
    public required List<(string Thread, string Type, long Bytes)> Sites { get; init; }

    public static DaemonRun Start(string modelDir, string source, long frames, TimeSpan limit, Options? options = null)
    {
        options ??= new Options();
        var psi = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        foreach (var a in new[] { "run", "--model", modelDir, "--source", source, "--broker", options.Broker, "--max-frames",
            frames.ToString(CultureInfo.InvariantCulture) })
            psi.ArgumentList.Add(a);
        psi.Environment["MFUSER_INFERENCE_INTRA_OP_THREADS"] = "1";
        psi.Environment["MFUSER_INFERENCE_CUSTOM_OP_LIBRARY"] = OrtSessions.OpsLibrary();
        psi.Environment["MFUSER_RUN_STATUS_LINE"] = "off";
        psi.Environment["MFUSER_BROKER_EMBEDDED_PORT"] = FreePort().ToString(CultureInfo.InvariantCulture);
        var probeFile = Path.GetTempFileName();
        psi.Environment["DOTNET_STARTUP_HOOKS"] = Path.Combine(AppContext.BaseDirectory, "MFuser.Bench.AllocationProbe.dll");
        psi.Environment["BENCH_ALLOCATION_PROBE_FILE"] = probeFile;
        var sitesFile = options.SitesAfterSeconds is null ? null : Path.GetTempFileName();
        if (sitesFile is not null)
        {
            psi.Environment["BENCH_ALLOCATION_PROBE_SITES"] = sitesFile;
            psi.Environment["BENCH_ALLOCATION_PROBE_SITES_AFTER_S"] = options.SitesAfterSeconds!.Value.ToString(CultureInfo.InvariantCulture);
        }
        foreach (var (key, value) in options.Environment ?? new Dictionary<string, string>())
            psi.Environment[key] = value;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {psi.FileName}");
        var lines = new List<string>();
        var errors = new List<string>();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (lines) lines.Add(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (errors) errors.Add(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var rss = new List<(double, double)>();
        var cpu = 0.0;
        var startedAt = DateTime.UtcNow;
        var clock = Stopwatch.StartNew();
        while (!process.WaitForExit(500))
        {
            if (ReadRssMiB(process.Id) is { } r) rss.Add((clock.Elapsed.TotalSeconds, r));
            cpu = ReadCpuSeconds(process.Id) ?? cpu;
            if (clock.Elapsed > limit)
            {
                // SIGTERM: the daemon stops cleanly and still logs its run summary; SIGKILL only if it does not.
                _ = SendSignal(process.Id, SigTerm);
                if (!process.WaitForExit(20_000)) process.Kill();
                process.WaitForExit();
                break;
            }
        }
        process.WaitForExit();
        var completed = clock.Elapsed <= limit;
        DateTime? running = null;
        JsonObject? summary = null;
        DateTime summaryAt = default;
        lock (lines)
            foreach (var line in lines)
            {
                if (!line.StartsWith('{')) continue;
                var j = JsonNode.Parse(line)!.AsObject();
                var message = (string?)j["Message"] ?? "";
                var at = DateTime.Parse(((string)j["Timestamp"]!).Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal);
                if (message.StartsWith("running:", StringComparison.Ordinal)) running = at;
                if (message.StartsWith("run summary:", StringComparison.Ordinal)) (summary, summaryAt) = (j["State"]!.AsObject(), at);
            }
        if (summary is null || running is null)
            throw new InvalidOperationException(
                $"mfuser-edge ended (exit {process.ExitCode}, {(completed ? "in time" : $"killed after {limit.TotalSeconds:F0} s")}) " +
                $"without a run summary; stderr: {string.Join(" / ", errors.TakeLast(5))}; last log: {lines.LastOrDefault()}");
        var processed = summary["Processed"]!.GetValue<long>();
        var probe = File.ReadLines(probeFile).Select(l => l.Split(' ')).Where(f => f.Length == 6).Select(f => new ProbeSample(
            DateTime.UnixEpoch.AddMilliseconds(long.Parse(f[0], CultureInfo.InvariantCulture)), long.Parse(f[1], CultureInfo.InvariantCulture),
            int.Parse(f[2], CultureInfo.InvariantCulture), int.Parse(f[3], CultureInfo.InvariantCulture),
            int.Parse(f[4], CultureInfo.InvariantCulture), long.Parse(f[5], CultureInfo.InvariantCulture))).ToList();
        File.Delete(probeFile);
        var sites = new List<(string, string, long)>();
        if (sitesFile is not null)
        {
            foreach (var f in File.ReadLines(sitesFile).Select(l => l.Split(' ', 4)).Where(f => f.Length == 4))
                sites.Add((f[2], f[3], long.Parse(f[1], CultureInfo.InvariantCulture)));
            File.Delete(sitesFile);
        }
        return new DaemonRun
        {
            FramesProcessed = processed,
            FramesCaptured = summary["Captured"]!.GetValue<long>(),
            FramesDropped = summary["Dropped"]!.GetValue<long>(),
            FramesSkipped = summary["Skipped"]!.GetValue<long>(),
            SustainedFps = processed / (summaryAt - running.Value).TotalSeconds,
            LatencyMs = StagePattern().Matches((string)summary["Latency"]!).ToDictionary(m => m.Groups[1].Value,
                m => Enumerable.Range(2, 4).Select(g => double.Parse(m.Groups[g].Value, CultureInfo.InvariantCulture)).ToArray()),
            Rss = rss,
            CpuSeconds = cpu,
            Probe = probe,
            Sites = sites,
            StartedAt = startedAt,
            RunningAt = running.Value,
            SummaryAt = summaryAt,
            Completed = completed,
        };
    }

    private static double? ReadRssMiB(int pid)
    {
        try
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
        }
        catch (IOException) { return null; }
    }

    /// <summary>utime + stime from /proc/&lt;pid&gt;/stat (fields 14 and 15, in clock ticks of 1/100 s).</summary>
    private static double? ReadCpuSeconds(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / 100.0;
        }
        catch (IOException) { return null; }
    }

    /// <summary>A loopback port free right now, so the embedded broker does not collide with other brokers on 1883.</summary>
    internal static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private const int SigTerm = 15;

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int SendSignal(int pid, int signal);

    [GeneratedRegex(@"(\w+) p50 ([\d.]+) p90 ([\d.]+) p99 ([\d.]+) max ([\d.]+)")]
    private static partial Regex StagePattern();
}
