using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using MFuser.TestSupport;
using OpenCvSharp;
using PuppeteerSharp;

namespace MFuser.Edge.Tests;

/// <summary>The web console of the built <c>mfuser-edge</c> (child process, fixture model, lossless test video whose
/// colours the model labels exactly): the page in a real headless Chromium, <c>/metrics</c> checked by promtool,
/// <c>/readyz</c> before, while and after frames flow, the token beyond loopback, and start-up errors of the
/// <c>web.*</c> keys.</summary>
public sealed class ConsoleDaemonTests : IDisposable
{
    private const int Width = 320, Height = 192;
    private const string Token = "0123456789abcdef0123";

    /// <summary>Asphalt (90, 90, 90) is road; the overlay blends the road colour (128, 64, 128) over it 50/50 (BGR).</summary>
    private static readonly Scalar RoadOverlayBgr = new(109, 77, 109);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(120);
    private readonly TempDir _dir = new();

    [RequiresFact(HeadlessChromium.Executable, "chromium")]
    public async Task A_browser_shows_the_live_overlay_free_space_and_shift_plot()
    {
        var port = FreePort.Next();
        using var edge = Start(Video(300), port, new()
        {
            ["MFUSER_SOURCE_LOOP"] = "true", ["MFUSER_WEB_FPS"] = "10", ["MFUSER_DOMAIN_SHIFT_WARMUP_S"] = "1",
        });
        using var http = Client(port);
        await WaitReadyAsync(http, edge);
        await using var chromium = await HeadlessChromium.LaunchAsync(1280, 900);
        await using var page = await chromium.Browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        await page.GoToAsync($"http://127.0.0.1:{port}/", WaitUntilNavigation.DOMContentLoaded);

        Assert.True(await HeadlessChromium.DistinctVideoFramesAsync(page) >= 3, $"the video shows at least 3 distinct frames\n{edge}");
        await page.WaitForFunctionAsync("() => document.getElementById('ready').textContent === 'ready' && " +
                                        "document.getElementById('provider').textContent === 'provider cpu' && " +
                                        "document.getElementById('score').textContent !== '–'",
            new WaitForFunctionOptions { Timeout = 60_000 });
        await page.WaitForFunctionAsync("() => /console viewers1/.test(document.getElementById('counters').textContent)",
            new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Equal("", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"));
        Assert.True(await HeadlessChromium.PaintedPixelsAsync(page, "bev") > 2000, "the free-space view has content");
        Assert.True(await HeadlessChromium.PaintedPixelsAsync(page, "shift") > 200, "the shift plot has content");
        var screenshot = Path.Combine(AppContext.BaseDirectory, "console.png");
        await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
        AssertShowsTheOverlay(screenshot);
        Assert.Empty(errors);
    }

    [RequiresFact(Promtool.Executable, "prometheus")]
    public async Task Metrics_pass_promtool_and_rise_and_readyz_follows_the_frames()
    {
        var port = FreePort.Next();
        // 120 frames at 10 fps, then the file ends and is not reopened for a minute: the source is away.
        using var edge = Start(Video(120), port, new() { ["MFUSER_SOURCE_REOPEN_INITIAL_MS"] = "60000", ["MFUSER_SOURCE_REOPEN_MAX_MS"] = "60000",
            ["MFUSER_WATCHDOG_STALL_S"] = "2", ["MFUSER_FIELD_LOG_DIR"] = _dir.File("field-log"), ["MFUSER_FIELD_LOG_MIN_FREE_MB"] = "0" });
        using var http = Client(port);
        var ready = await WaitReadyAsync(http, edge);
        Assert.Contains("frames flowing", ready);

        var first = await http.GetStringAsync("metrics");
        await Task.Delay(1500);
        var second = await http.GetStringAsync("metrics");
        await Promtool.AssertPassesCheckMetricsAsync(second);
        var (a, b) = (Exposition.Parse(first), Exposition.Parse(second));
        Assert.True(b.Sum("mfuser_edge_frames_processed_total") > a.Sum("mfuser_edge_frames_processed_total"),
            $"frames processed rose between two scrapes\n{second}");
        Assert.True(b.Sum("mfuser_edge_frames_captured_total") > a.Sum("mfuser_edge_frames_captured_total"));
        Assert.Equal(1, b.Sum("mfuser_edge_inference_provider_info", ("provider", "cpu")));
        Assert.True(b.Sum("mfuser_edge_stage_duration_seconds_count", ("stage", "inference")) > 0, "inference latency histogram");
        Assert.True(b.Sum("mfuser_edge_stage_duration_seconds_count", ("stage", "console")) > 0, "console stage latency histogram");
        Assert.True(b.Sum("mfuser_edge_process_memory_working_set_bytes") > 1e6, "resident set");
        foreach (var name in new[] { "mfuser_edge_mqtt_connected", "mfuser_edge_mqtt_queue_depth", "mfuser_edge_domain_shift_events_total",
                     "mfuser_edge_field_log_size_bytes", "mfuser_edge_field_log_messages_written_total" })
            Assert.True(b.Has(name), $"{name} is exported\n{second}");
        Assert.Equal("counter", b.Types["mfuser_edge_frames_processed_total"]);
        Assert.Equal("histogram", b.Types["mfuser_edge_stage_duration_seconds"]);

        var (status, reason) = await WaitReadinessAsync(http, s => s == HttpStatusCode.ServiceUnavailable, edge);
        Assert.True(reason.Contains("source is away") || reason.Contains("no frame for"), reason);
    }

    [Fact]
    public async Task Beyond_loopback_the_token_is_enforced_and_readyz_is_503_before_the_first_frame()
    {
        var port = FreePort.Next();
        var empty = Directory.CreateDirectory(_dir.File("no-images")).FullName;
        using var edge = Start($"dir://{empty}", port, new() { ["MFUSER_WEB_LISTEN"] = $"0.0.0.0:{port}", ["MFUSER_WEB_TOKEN"] = Token });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await WaitHealthyAsync(http, edge);

        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("api/info")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"api/info?token={Token}x")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("readyz")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"api/info?token={Token}")).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        Assert.Contains("\"model\"", await http.GetStringAsync("api/info"));
        var readyz = await http.GetAsync("readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode);
        Assert.Contains("no frame processed yet", await readyz.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData("MFUSER_WEB_LISTEN", "0.0.0.0:8080", "web.token = '' is not allowed: expected a token of at least 16 characters")]
    [InlineData("MFUSER_WEB_LISTEN", "camera.local:8080", "web.listen = 'camera.local:8080' is not allowed")]
    [InlineData("MFUSER_WEB_TOKEN", "short", "web.token = '***' is not allowed: expected 16 to 256 characters")]
    [InlineData("MFUSER_WEB_FPS", "0", "environment MFUSER_WEB_FPS: web.fps = '0' is not allowed: expected a number from 0.2 to 30")]
    public async Task A_bad_web_key_exits_2_naming_it(string variable, string value, string expected)
    {
        var p = await EdgeProcess.RunAsync(["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive", "--max-frames", "1"],
            new Dictionary<string, string> { ["MFUSER_WEB_ENABLED"] = "true", [variable] = value });
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains(expected, p.Stderr);
        Assert.DoesNotContain("   at ", p.Stderr);
    }

    [Fact]
    public async Task A_port_in_use_exits_2_naming_web_listen()
    {
        using var taken = new TcpListener(IPAddress.Loopback, 0);
        taken.Start();
        var port = ((IPEndPoint)taken.LocalEndpoint).Port;
        var p = await EdgeProcess.RunAsync(["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive", "--max-frames", "50"],
            new Dictionary<string, string>
            {
                ["MFUSER_WEB_ENABLED"] = "true", ["MFUSER_WEB_LISTEN"] = $"127.0.0.1:{port}", ["MFUSER_INFERENCE_PROVIDERS"] = "cpu",
                ["MFUSER_BROKER_EMBEDDED_PORT"] = FreePort.Next().ToString(),
            }, timeoutS: 120);
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains($"web.listen: web.listen = '127.0.0.1:{port}': cannot listen:", p.Stderr);
        Assert.DoesNotContain("   at ", p.Stderr);
    }

    public void Dispose() => _dir.Dispose();

    private string Video(int frames) => "file://" + TestVideo.Write(_dir.File($"drive-{frames}.mkv"), frames, Width, Height);

    private static EdgeProcess Start(string source, int port, Dictionary<string, string> env)
    {
        var all = new Dictionary<string, string>
        {
            ["MFUSER_WEB_ENABLED"] = "true", ["MFUSER_WEB_LISTEN"] = $"127.0.0.1:{port}", ["MFUSER_INFERENCE_PROVIDERS"] = "cpu",
            ["MFUSER_INFERENCE_INTRA_OP_THREADS"] = "1", ["MFUSER_SOURCE_MAX_FPS"] = "10", ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "0.5",
            ["MFUSER_BROKER_EMBEDDED_PORT"] = FreePort.Next().ToString(),
        };
        foreach (var (k, v) in env)
            all[k] = v;
        return EdgeProcess.Start(["run", "--model", RepoPaths.FixturePackage, "--source", source, "--device-id", "console"], all);
    }

    private static HttpClient Client(int port) => new() { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

    private static async Task WaitHealthyAsync(HttpClient http, EdgeProcess edge)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            Assert.False(edge.HasExited, $"the daemon exited\n{edge}");
            try
            {
                if ((await http.GetAsync("healthz", timeout.Token)).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet (the model loads first).
            }
            await Task.Delay(100, timeout.Token);
        }
    }

    /// <summary>Waits for <c>/readyz</c> 200 and returns its body (JSON with the reason).</summary>
    private static async Task<string> WaitReadyAsync(HttpClient http, EdgeProcess edge)
    {
        await WaitHealthyAsync(http, edge);
        return (await WaitReadinessAsync(http, s => s == HttpStatusCode.OK, edge)).Reason;
    }

    private static async Task<(HttpStatusCode Status, string Reason)> WaitReadinessAsync(HttpClient http, Func<HttpStatusCode, bool> wanted,
        EdgeProcess edge)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            Assert.False(edge.HasExited, $"the daemon exited\n{edge}");
            using var response = await http.GetAsync("readyz", timeout.Token);
            if (wanted(response.StatusCode))
                return (response.StatusCode, await response.Content.ReadAsStringAsync(timeout.Token));
            await Task.Delay(100, timeout.Token);
        }
    }

    private static void AssertShowsTheOverlay(string path)
    {
        using var shot = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(shot.Empty(), $"{path} is not a readable PNG");
        Cv2.MeanStdDev(shot, out _, out var spread);
        Assert.True(spread.Val0 + spread.Val1 + spread.Val2 > 30, "the screenshot is not blank");
        using var road = new Mat();
        var c = RoadOverlayBgr;
        Cv2.InRange(shot, new Scalar(c.Val0 - 14, c.Val1 - 14, c.Val2 - 14), new Scalar(c.Val0 + 14, c.Val1 + 14, c.Val2 + 14), road);
        Assert.True(Cv2.CountNonZero(road) > 5000, $"the overlay's road colour covers {Cv2.CountNonZero(road)} pixels");
    }
}
