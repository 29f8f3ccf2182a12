using System.Diagnostics.Metrics;
using MFuser.Edge.Web.Tests.Support;
using MFuser.TestSupport;

namespace MFuser.Edge.Web.Tests.Metrics;

[Collection(Serial.Name)]
public class ConsoleInstrumentsTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 16, 2, 48, 0, TimeSpan.Zero);

    [Fact]
    public async Task Exposes_the_consoles_instruments_under_prometheus_names()
    {
        await using var console = await TestConsole.StartAsync(fps: 30);
        await console.Client.GetAsync("api/info");
        await StreamOneFrameAsync(console);
        var scrape = Exposition.Parse(await console.Client.GetStringAsync("metrics"));

        Assert.Equal("counter", scrape.Types["mfuser_edge_console_http_requests_total"]);
        Assert.True(scrape.Sum("mfuser_edge_console_http_requests_total", ("endpoint", "/api/info"), ("code", "503")) >= 1);
        Assert.Equal("gauge", scrape.Types["mfuser_edge_console_viewers"]);
        Assert.Equal(["camera", "labels", "overlay"],
            scrape.Samples.Where(s => s.Name == "mfuser_edge_console_viewers").Select(s => s.Labels["view"]).Order());
        Assert.True(scrape.Sum("mfuser_edge_console_frames_sent_total", ("view", "overlay")) >= 1);
        Assert.True(scrape.Sum("mfuser_edge_console_stream_bytes_total", ("view", "overlay")) >= 1234);
        Assert.Equal("counter", scrape.Types["mfuser_edge_console_frames_dropped_total"]);
        Assert.Equal("counter", scrape.Types["mfuser_edge_console_viewers_dropped_total"]);
        Assert.All(scrape.Samples.Where(s => s.Name.StartsWith("mfuser_edge_console_", StringComparison.Ordinal)),
            s => Assert.Equal("MFuser.Edge.Console", s.Labels["otel_scope_name"]));
    }

    [Fact]
    public async Task Picks_up_the_daemons_meters_by_name_prefix_only()
    {
        await using var console = await TestConsole.StartAsync();
        using var daemon = new Meter(ConsoleMetrics.DaemonMeterName);
        using var capture = new Meter("MFuser.Edge.Capture");
        using var other = new Meter("Some.Library");
        daemon.CreateCounter<long>("mfuser.edge.frames.processed", "{frame}", "Frames processed.").Add(3);
        daemon.CreateHistogram<double>("mfuser.edge.stage.duration", "s", "Time in a frame stage.")
            .Record(0.012, new KeyValuePair<string, object?>("stage", "publish"));
        capture.CreateCounter<long>("mfuser.edge.capture.bytes", "By", "Bytes read from the camera.").Add(4096);
        capture.CreateHistogram("mfuser.edge.capture.wait", "s", "Wait for a frame.", advice: new InstrumentAdvice<double>
        {
            HistogramBucketBoundaries = [0.1, 1],
        }).Record(0.5);
        other.CreateCounter<long>("some.library.calls", "{call}", "Not ours.").Add(1);

        var scrape = Exposition.Parse(await console.Client.GetStringAsync("metrics"));
        Assert.Equal(3, scrape.Sum("mfuser_edge_frames_processed_total"));
        Assert.Equal("histogram", scrape.Types["mfuser_edge_stage_duration_seconds"]);
        Assert.Equal(1, scrape.Sum("mfuser_edge_stage_duration_seconds_bucket", ("stage", "publish"), ("le", "0.025")));
        Assert.Equal(0, scrape.Sum("mfuser_edge_stage_duration_seconds_bucket", ("stage", "publish"), ("le", "0.01")));
        Assert.Equal(0.012, scrape.Sum("mfuser_edge_stage_duration_seconds_sum", ("stage", "publish")), 6);
        Assert.Equal(4096, scrape.Sum("mfuser_edge_capture_bytes_total"));
        Assert.Equal(["0.1", "1", "+Inf"],
            scrape.Samples.Where(s => s.Name == "mfuser_edge_capture_wait_seconds_bucket").Select(s => s.Labels["le"]));
        Assert.DoesNotContain(scrape.Samples, s => s.Name.StartsWith("some_library", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Counters_increase_between_two_scrapes()
    {
        await using var console = await TestConsole.StartAsync(fps: 30);
        await console.Client.GetAsync("api/console");
        var first = Exposition.Parse(await console.Client.GetStringAsync("metrics"));
        await console.Client.GetAsync("api/console");
        await StreamOneFrameAsync(console);
        var second = Exposition.Parse(await console.Client.GetStringAsync("metrics"));

        const string requests = "mfuser_edge_console_http_requests_total";
        Assert.True(second.Sum(requests, ("endpoint", "/api/console")) > first.Sum(requests, ("endpoint", "/api/console")));
        Assert.True(second.Sum(requests, ("endpoint", "/metrics")) > first.Sum(requests, ("endpoint", "/metrics")));
        Assert.True(second.Sum("mfuser_edge_console_frames_sent_total") > first.Sum("mfuser_edge_console_frames_sent_total"));
    }

    [RequiresFact(Promtool.Executable, "prometheus")]
    public async Task A_scrape_passes_promtool_check_metrics()
    {
        await using var console = await TestConsole.StartAsync(fps: 30);
        using var daemon = new Meter(ConsoleMetrics.DaemonMeterName);
        daemon.CreateHistogram<double>("mfuser.edge.stage.duration", "s", "Time in a frame stage.").Record(0.004);
        daemon.CreateObservableGauge("mfuser.edge.frame.age", () => 0.05, "s", "Age of the newest processed frame.");
        await console.Client.GetAsync("api/drivable");
        await StreamOneFrameAsync(console);
        var scrape = await console.Client.GetStringAsync("metrics");

        await Promtool.AssertPassesCheckMetricsAsync(scrape);
        Assert.Contains("mfuser_edge_stage_duration_seconds_bucket", scrape);
    }

    private static async Task StreamOneFrameAsync(TestConsole console)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await console.Client.GetAsync("stream/overlay", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        while (console.Feed.Viewers.Count == 0)
            await Task.Delay(10, timeout.Token);
        var jpeg = new byte[1234];
        jpeg[0] = 0xFF;
        console.Feed.PublishImage(ConsoleView.Overlay, jpeg, 1, At);
        var reader = new MjpegReader(await response.Content.ReadAsStreamAsync(timeout.Token), "mfuserframe");
        await reader.ReadPartAsync(timeout.Token);
    }
}
