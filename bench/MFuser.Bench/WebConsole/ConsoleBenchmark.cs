using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using MFuser.Bench.Pipeline;

namespace MFuser.Bench.WebConsole;

/// <summary>
/// What the web console costs the daemon (docs/console.md, "Cost"): bounded runs of the real daemon on the fixture
/// model (fast, so any console cost shows in the frame rate) and a pre-rendered synthetic drive replayed as fast as the
/// daemon takes it (CPU-bound), with the console on
/// and 0, 1 and 20 MJPEG viewers of the overlay at <c>web.fps</c> 5, interleaved (0, 1, 20, 0, 1, 20, ...) so load drift
/// on a shared machine hits every count alike. Per run: processed frames/s from the daemon's run summary, CPU seconds
/// per wall second of the whole process, frames the viewers received. A last, longer run at <c>web.fps</c> 30 adds one
/// viewer that connects and never reads: its RSS over the run and <c>mfuser_edge_console_viewers_dropped_total{reason="stalled"}</c> show it is
/// dropped without memory growth. About 2.5 minutes with <c>--quick</c> on a loaded 2-core machine, 6 without. The
/// viewers run in the bench process on the same machine, so on a small machine they compete with the daemon for
/// cores: an upper bound of the console's cost.
/// </summary>
public static partial class ConsoleBenchmark
{
    private static readonly int[] ViewerCounts = [0, 1, 20];

    public static JsonObject Run(bool quick)
    {
        var model = Path.Combine(Repository.Root, "models", "fixture-colour-rule");
        var frames = quick ? 600 : 2000;
        var rounds = quick ? 1 : 3;
        var video = PipelineBenchmark.PrerenderedDrive(320, 192, frames: 150);
        var runs = new List<(int Viewers, DaemonRun Run, long FramesReceived)>();
        string stalledScrape;
        (int Viewers, DaemonRun Run, long FramesReceived) stalledRun;
        try
        {
            for (var round = 0; round < rounds; round++)
                foreach (var viewers in ViewerCounts)
                    runs.Add(RunWith(model, video, frames, viewers, webFps: 5, stalled: false, out _));
            // At web.fps 30 the stalled viewer's socket buffers (up to a few MB on loopback) fill within seconds; the run is
            // long enough for that and the console's 10 s stall timeout.
            stalledRun = RunWith(model, video, frames * 3, 1, webFps: 30, stalled: true, out stalledScrape);
        }
        finally
        {
            File.Delete(video);
        }

        var result = new JsonObject
        {
            ["model"] = "fixture-colour-rule (320x192)",
            ["source"] = "pre-rendered synthetic drive, 320x192, looped, unpaced",
            ["frames_per_run"] = frames,
            ["web_fps"] = 5,
        };
        var byCount = new JsonObject();
        foreach (var group in runs.GroupBy(r => r.Viewers))
        {
            var fps = group.Select(r => r.Run.SustainedFps).ToList();
            var cpu = group.Select(r => CpuShare(r.Run)).ToList();
            var cpuPerFrame = group.Select(r => CpuMsPerFrame(r.Run)).ToList();
            byCount[group.Key.ToString(CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["fps_mean"] = Math.Round(fps.Average(), 1),
                ["fps_runs"] = new JsonArray(fps.Select(f => (JsonNode)Math.Round(f, 1)).ToArray()),
                ["cpu_cores_mean"] = Math.Round(cpu.Average(), 3),
                ["cpu_ms_per_frame_mean"] = Math.Round(cpuPerFrame.Average(), 2),
                ["frames_received_per_viewer"] = group.Key == 0 ? 0 : Math.Round(group.Average(r => r.FramesReceived / (double)group.Key), 1),
            };
        }
        result["viewers"] = byCount;
        var (fps0, fps20) = (Mean(runs, 0, r => r.SustainedFps), Mean(runs, 20, r => r.SustainedFps));
        result["fps_20_over_0"] = Math.Round(fps20 / fps0, 3);
        // CPU per frame rises with viewers even when the machine caps the process's cores; at the 20-viewer frame rate
        // the rise is the cores the viewers add.
        result["cpu_cores_per_viewer"] = Math.Round((Mean(runs, 20, CpuMsPerFrame) - Mean(runs, 0, CpuMsPerFrame)) / 1000 * fps20 / 20, 4);
        var rss = stalledRun.Run.Rss.Select(r => r.RssMiB).ToList();
        result["stalled_viewer"] = new JsonObject
        {
            ["dropped_as_stalled"] = Metric(stalledScrape, "mfuser_edge_console_viewers_dropped_total", "stalled"),
            ["rss_mib_first_half_max"] = Math.Round(rss.Take(rss.Count / 2).DefaultIfEmpty().Max(), 1),
            ["rss_mib_second_half_max"] = Math.Round(rss.Skip(rss.Count / 2).DefaultIfEmpty().Max(), 1),
            ["fps"] = Math.Round(stalledRun.Run.SustainedFps, 1),
            ["web_fps"] = 30,
        };
        Console.WriteLine(result.ToJsonString());
        return result;
    }

    private static double Mean(List<(int Viewers, DaemonRun Run, long FramesReceived)> runs, int viewers, Func<DaemonRun, double> value) =>
        runs.Where(r => r.Viewers == viewers).Average(r => value(r.Run));

    /// <summary>CPU milliseconds of the whole daemon process (start-up included, alike in every run) per processed frame.</summary>
    private static double CpuMsPerFrame(DaemonRun run) => run.CpuSeconds * 1000 / Math.Max(1, run.FramesProcessed);

    /// <summary>Cores the whole daemon process used on average from start to its run summary.</summary>
    private static double CpuShare(DaemonRun run) => run.CpuSeconds / (run.SummaryAt - run.StartedAt).TotalSeconds;

    private static (int Viewers, DaemonRun Run, long FramesReceived) RunWith(string model, string video, int frames, int viewers, int webFps,
        bool stalled, out string lastScrape)
    {
        var port = DaemonRun.FreePort();
        using var stop = new CancellationTokenSource();
        long received = 0;
        var scrape = "";
        var tasks = Enumerable.Range(0, viewers).Select(_ => Task.Run(() => ViewAsync(port, n => Interlocked.Add(ref received, n), stop.Token)))
            .ToList();
        if (stalled)
        {
            tasks.Add(Task.Run(() => StallAsync(port, stop.Token)));
            tasks.Add(Task.Run(async () =>
            {
                using var http = new HttpClient();
                while (!stop.IsCancellationRequested)
                {
                    try { scrape = await http.GetStringAsync($"http://127.0.0.1:{port}/metrics", stop.Token); }
                    catch (Exception e) when (e is HttpRequestException or OperationCanceledException) { }
                    await Task.Delay(500, CancellationToken.None);
                }
            }));
        }
        var run = DaemonRun.Start(model, $"file://{video}", frames, TimeSpan.FromSeconds(180), new DaemonRun.Options(Environment:
            new Dictionary<string, string>
            {
                ["MFUSER_WEB_ENABLED"] = "true", ["MFUSER_WEB_LISTEN"] = $"127.0.0.1:{port}",
                ["MFUSER_WEB_FPS"] = webFps.ToString(CultureInfo.InvariantCulture),
                ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_LOOP"] = "true",
            }));
        stop.Cancel();
        Task.WaitAll([.. tasks]);
        Console.WriteLine($"  {viewers} viewers{(stalled ? " + 1 stalled" : "")}: {run.SustainedFps:F1} fps, {CpuShare(run):F2} cores, " +
                                 $"{received} frames received");
        lastScrape = scrape;
        return (viewers, run, received);
    }

    /// <summary>One MJPEG viewer of <c>/stream/overlay</c>, reading as fast as the parts come; counts the parts.</summary>
    private static async Task ViewAsync(int port, Action<long> parts, CancellationToken stop)
    {
        var boundary = "--mfuserframe"u8.ToArray();
        while (!stop.IsCancellationRequested)
        {
            try
            {
                using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                using var response = await http.GetAsync($"http://127.0.0.1:{port}/stream/overlay", HttpCompletionOption.ResponseHeadersRead, stop);
                await using var stream = await response.Content.ReadAsStreamAsync(stop);
                var buffer = new byte[64 * 1024];
                int n;
                while ((n = await stream.ReadAsync(buffer, stop)) > 0)
                    parts(Count(buffer.AsSpan(0, n), boundary));
            }
            catch (Exception e) when (e is HttpRequestException or OperationCanceledException or IOException)
            {
                if (!stop.IsCancellationRequested)
                    await Task.Delay(100, CancellationToken.None); // not listening yet (the model loads first)
            }
        }
    }

    /// <summary>A viewer that sends the request and never reads the answer, until the console closes it.</summary>
    private static async Task StallAsync(int port, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                // A small receive buffer (set before connecting) so the stall reaches the server soon.
                using var socket = new TcpClient { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync("127.0.0.1", port, stop);
                await socket.GetStream().WriteAsync("GET /stream/overlay HTTP/1.1\r\nHost: bench\r\n\r\n"u8.ToArray(), stop);
                await Task.Delay(Timeout.Infinite, stop);
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or IOException)
            {
                if (!stop.IsCancellationRequested)
                    await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private static int Count(ReadOnlySpan<byte> data, ReadOnlySpan<byte> boundary)
    {
        var count = 0;
        for (int i; (i = data.IndexOf(boundary)) >= 0; data = data[(i + boundary.Length)..])
            count++;
        return count;
    }

    private static double Metric(string scrape, string name, string reason) => SampleLine().Matches(scrape)
        .Where(m => m.Groups["name"].Value == name && m.Groups["labels"].Value.Contains($"reason=\"{reason}\"", StringComparison.Ordinal))
        .Sum(m => double.Parse(m.Groups["value"].Value, CultureInfo.InvariantCulture));

    [GeneratedRegex("""^(?<name>[a-z_]+)\{(?<labels>[^}]*)\} (?<value>\S+)""", RegexOptions.Multiline)]
    private static partial Regex SampleLine();
}
