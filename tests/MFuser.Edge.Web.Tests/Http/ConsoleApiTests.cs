using System.Net;
using System.Text.Json;
using MFuser.Edge.Web.Tests.Support;

namespace MFuser.Edge.Web.Tests.Http;

public class ConsoleApiTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 16, 2, 48, 123, TimeSpan.Zero);

    [Theory]
    [InlineData("api/info", "info")]
    [InlineData("api/stats", "stats")]
    [InlineData("api/drivable", "drivable")]
    public async Task Payload_endpoints_answer_503_with_a_reason_before_the_first_payload(string path, string topic)
    {
        await using var console = await TestConsole.StartAsync();
        using var response = await console.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromSeconds(1), response.Headers.RetryAfter?.Delta);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(503, body.GetProperty("status").GetInt32());
        Assert.Equal("not_yet", body.GetProperty("error").GetString());
        Assert.Equal($"the daemon has not published '{topic}' yet", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Payload_endpoints_serve_the_newest_payload_byte_for_byte()
    {
        await using var console = await TestConsole.StartAsync();
        var info = Payloads.Info(calibrated: true);
        console.Feed.PublishInfo(info);
        console.Feed.PublishStats(Payloads.Stats(10));
        var stats = Payloads.Stats(11);
        console.Feed.PublishStats(stats);
        console.Feed.PublishDrivable(Payloads.Drivable(5, calibrated: false));
        var drivable = Payloads.Drivable(6, calibrated: true);
        console.Feed.PublishDrivable(drivable);

        Assert.Equal(info, await console.Client.GetByteArrayAsync("api/info"));
        Assert.Equal(stats, await console.Client.GetByteArrayAsync("api/stats"));
        using var response = await console.Client.GetAsync("api/drivable");
        Assert.Equal(drivable, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.CacheControl?.NoStore);
    }

    [Theory]
    [InlineData("api/snapshot.jpg", "camera")]
    [InlineData("api/overlay.jpg", "overlay")]
    [InlineData("api/labels.png", "label_ids")]
    public async Task Image_endpoints_answer_503_when_no_image_arrives(string path, string view)
    {
        await using var console = await TestConsole.StartAsync();
        using var response = await console.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("no_frame", body.GetProperty("error").GetString());
        Assert.StartsWith($"no {view} image yet", body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_snapshot_request_asks_the_daemon_for_the_camera_view_and_gets_the_image_it_publishes()
    {
        await using var console = await TestConsole.StartAsync(imageWait: TimeSpan.FromSeconds(20));
        Assert.Equal(ConsoleView.None, console.Feed.WantedViews);
        var request = console.Client.GetAsync("api/snapshot.jpg");
        var jpeg = new byte[] { 0xFF, 0xD8, 1, 2, 3, 0xFF, 0xD9 };
        await WaitUntilAsync(() => (console.Feed.WantedViews & ConsoleView.Camera) != 0);
        console.Feed.PublishImage(ConsoleView.Camera, jpeg, 42, At);
        using var response = await request;
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("image/jpeg", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(jpeg, await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("42", response.Headers.GetValues("X-Frame").Single());
        Assert.Equal("2026-11-26T16:02:48.123Z", response.Headers.GetValues("X-Captured-At").Single());
    }

    [Fact]
    public async Task A_fresh_image_is_served_at_once_and_a_stale_one_after_the_wait()
    {
        await using var console = await TestConsole.StartAsync(imageWait: TimeSpan.FromMilliseconds(200));
        var png = new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 7 };
        console.Feed.PublishImage(ConsoleView.LabelIds, png, 9, At);
        using (var response = await console.Client.GetAsync("api/labels.png"))
        {
            Assert.Equal("image/png", response.Content.Headers.ContentType?.MediaType);
            Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        }
        await Task.Delay(TimeSpan.FromSeconds(1));
        using (var response = await console.Client.GetAsync("api/labels.png"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(png, await response.Content.ReadAsByteArrayAsync());
        }
    }

    [Fact]
    public async Task Episodes_are_a_bounded_json_array_of_the_events_as_published()
    {
        await using var console = await TestConsole.StartAsync();
        Assert.Equal("[]", await console.Client.GetStringAsync("api/episodes"));
        console.Feed.PublishEpisodeEvent(Payloads.Episode("new", 0, 9.4));
        console.Feed.PublishEpisodeEvent(Payloads.Episode("end", 1, 1.2, "recovered"));
        var events = JsonDocument.Parse(await console.Client.GetStringAsync("api/episodes")).RootElement;
        Assert.Equal(2, events.GetArrayLength());
        Assert.Equal("new", events[0].GetProperty("event").GetString());
        Assert.Equal("recovered", events[1].GetProperty("end_reason").GetString());
    }

    [Fact]
    public async Task Shift_lists_recent_scores_and_the_thresholds()
    {
        await using var console = await TestConsole.StartAsync();
        console.Feed.SetShiftThresholds(4, 2);
        console.Feed.PublishShiftScore(At, null);
        console.Feed.PublishShiftScore(At.AddMilliseconds(500), 3.25);
        var shift = JsonDocument.Parse(await console.Client.GetStringAsync("api/shift")).RootElement;
        Assert.Equal(4, shift.GetProperty("open_threshold").GetDouble());
        Assert.Equal(2, shift.GetProperty("close_threshold").GetDouble());
        var samples = shift.GetProperty("samples");
        Assert.Equal(2, samples.GetArrayLength());
        Assert.Equal(JsonValueKind.Null, samples[0][1].ValueKind);
        Assert.Equal(3.25, samples[1][1].GetDouble());
        Assert.Equal(At.AddMilliseconds(500).ToUnixTimeMilliseconds() / 100 * 100, samples[1][0].GetInt64());
    }

    [Fact]
    public async Task Readyz_follows_the_daemons_readiness_with_the_reason()
    {
        await using var console = await TestConsole.StartAsync();
        using (var response = await console.Client.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.False(body.GetProperty("ready").GetBoolean());
            Assert.Equal("the daemon has not reported readiness yet", body.GetProperty("reason").GetString());
        }
        var ready = ConsoleReadiness.NotReady("no frame for 23.1 s (watchdog.stall_s = 20)");
        console.Feed.SetReadiness(() => ready);
        using (var response = await console.Client.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
            Assert.Contains("no frame for 23.1 s (watchdog.stall_s = 20)", await response.Content.ReadAsStringAsync());
        }
        ready = ConsoleReadiness.Ready("model warmed, frames flowing");
        using (var response = await console.Client.GetAsync("readyz"))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
            Assert.True(body.GetProperty("ready").GetBoolean());
            Assert.Equal("model warmed, frames flowing", body.GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Healthz_answers_while_the_process_serves()
    {
        await using var console = await TestConsole.StartAsync();
        Assert.Equal("ok\n", await console.Client.GetStringAsync("healthz"));
    }

    [Fact]
    public async Task Probes_may_use_head()
    {
        await using var console = await TestConsole.StartAsync();
        using var healthz = await console.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "healthz"));
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        using var readyz = await console.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "readyz"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readyz.StatusCode); // no frame yet: not ready, but not "no such page"
    }

    [Theory]
    [InlineData("POST", "api/info", "GET, HEAD")]
    [InlineData("DELETE", "healthz", "GET, HEAD")]
    [InlineData("PUT", "stream/overlay", "GET")]
    [InlineData("POST", "metrics", "GET, HEAD")]
    public async Task Another_method_on_a_console_path_is_405_with_allow(string method, string path, string allow)
    {
        await using var console = await TestConsole.StartAsync();
        using var response = await console.Client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path)
            { Content = new ByteArrayContent(new byte[1 << 20]) });
        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow, string.Join(", ", response.Content.Headers.Allow));
        Assert.Equal(405, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("status").GetInt32());
    }

    [Theory]
    [InlineData("evil.example", HttpStatusCode.BadRequest)]
    [InlineData("127.0.0.1.nip.io", HttpStatusCode.BadRequest)]
    [InlineData("localhost:9000", HttpStatusCode.OK)] // an SSH tunnel's local port
    [InlineData("127.0.0.1", HttpStatusCode.OK)]
    public async Task On_loopback_only_loopback_host_names_are_answered(string host, HttpStatusCode expected)
    {
        // Without a token on loopback, a page whose name is re-pointed at 127.0.0.1 (DNS rebinding) must get nothing.
        await using var console = await TestConsole.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "healthz");
        request.Headers.Host = host;
        using var response = await console.Client.SendAsync(request);
        Assert.Equal(expected, response.StatusCode);
    }

    [Theory]
    [InlineData("api/nothing")]
    [InlineData("nothing.png")]
    [InlineData("stream/thermal")]
    public async Task Unknown_paths_get_404_with_a_json_body(string path)
    {
        await using var console = await TestConsole.StartAsync();
        using var response = await console.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(404, body.GetProperty("status").GetInt32());
        Assert.Contains(path.Split('/').Last(), body.GetProperty("message").GetString());
    }

    [Fact]
    public async Task Console_status_lists_the_viewers_and_totals()
    {
        await using var console = await TestConsole.StartAsync(fps: 10);
        console.Feed.Viewers.TryAdd(ConsoleView.Camera, "10.0.0.9:5000", DateTimeOffset.UtcNow);
        var status = JsonDocument.Parse(await console.Client.GetStringAsync("api/console")).RootElement;
        Assert.Equal(10, status.GetProperty("fps").GetDouble());
        Assert.Equal(16, status.GetProperty("max_viewers").GetInt32());
        var viewer = Assert.Single(status.GetProperty("viewers").EnumerateArray());
        Assert.Equal("camera", viewer.GetProperty("view").GetString());
        Assert.Equal("10.0.0.9:5000", viewer.GetProperty("remote").GetString());
        Assert.Equal(0, status.GetProperty("frames_dropped").GetInt64());
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (!condition())
            await Task.Delay(10, timeout.Token);
    }
}
