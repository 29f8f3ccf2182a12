using System.Net;
using System.Net.Sockets;
using System.Text;
using MFuser.Edge.Web.Streaming;
using MFuser.Edge.Web.Tests.Support;

namespace MFuser.Edge.Web.Tests.Streaming;

public class MjpegStreamTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 16, 2, 48, 0, TimeSpan.Zero);

    [Fact]
    public async Task Streams_each_frame_as_a_part_with_boundary_type_and_length()
    {
        await using var console = await TestConsole.StartAsync(fps: 30);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await console.Client.GetAsync("stream/overlay", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var type = response.Content.Headers.ContentType!;
        Assert.Equal("multipart/x-mixed-replace", type.MediaType);
        Assert.Equal("boundary=mfuserframe", type.Parameters.Single().ToString());
        Assert.True(response.Headers.CacheControl?.NoStore);
        await WaitUntilAsync(() => console.Feed.WantedViews == ConsoleView.Overlay, timeout.Token);

        var reader = new MjpegReader(await response.Content.ReadAsStreamAsync(timeout.Token), MjpegStream.Boundary);
        for (var frame = 1; frame <= 3; frame++)
        {
            var jpeg = FakeJpeg(frame, 1000 * frame);
            console.Feed.PublishImage(ConsoleView.Overlay, jpeg, frame, At);
            var part = await reader.ReadPartAsync(timeout.Token);
            Assert.Equal("image/jpeg", part.Headers["Content-Type"]);
            Assert.Equal(jpeg.Length.ToString(), part.Headers["Content-Length"]);
            Assert.Equal(frame, part.Frame);
            Assert.Equal(jpeg, part.Data);
        }
        var viewer = Assert.Single(console.Feed.Viewers.Snapshot());
        Assert.Equal(3, viewer.Sent);
        Assert.Equal(0, viewer.Dropped);
    }

    [Fact]
    public async Task A_viewer_gets_the_newest_frame_and_counts_the_ones_it_skipped()
    {
        await using var console = await TestConsole.StartAsync(fps: 30);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await console.Client.GetAsync("stream/camera", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        await WaitUntilAsync(() => console.Feed.WantedViews == ConsoleView.Camera, timeout.Token);
        for (var frame = 1; frame <= 10; frame++)
            console.Feed.PublishImage(ConsoleView.Camera, FakeJpeg(frame, 500), frame, At);

        var reader = new MjpegReader(await response.Content.ReadAsStreamAsync(timeout.Token), MjpegStream.Boundary);
        var parts = new List<long>();
        while (parts.LastOrDefault() != 10)
            parts.Add((await reader.ReadPartAsync(timeout.Token)).Frame);
        Assert.True(parts.Count < 10, $"parts {string.Join(",", parts)}: expected frames to be skipped");
        Assert.Equal(parts.Order(), parts);
        var viewer = Assert.Single(console.Feed.Viewers.Snapshot());
        Assert.Equal(parts.Count, viewer.Sent);
        Assert.Equal(10 - parts[0] + 1 - parts.Count, viewer.Dropped);
        Assert.Equal(viewer.Dropped, console.Feed.Viewers.FramesDropped);
    }

    [Fact]
    public async Task A_viewer_that_stops_reading_is_dropped_without_the_feed_growing()
    {
        await using var console = await TestConsole.StartAsync(fps: 30, stallTimeout: TimeSpan.FromSeconds(1));
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, console.Host.Address.Port));
        await socket.SendAsync(Encoding.ASCII.GetBytes("GET /stream/overlay HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await WaitUntilAsync(() => console.Feed.Viewers.Count == 1, timeout.Token);

        var slot = console.Feed.ImageSlot(ConsoleView.Overlay);
        var published = 0;
        var mostBuffers = 0;
        while (console.Feed.Viewers.Count > 0)
        {
            timeout.Token.ThrowIfCancellationRequested();
            console.Feed.PublishImage(ConsoleView.Overlay, FakeJpeg(++published, 256 * 1024), published, At);
            mostBuffers = Math.Max(mostBuffers, slot.BuffersAlive);
            await Task.Delay(20, timeout.Token);
        }

        // The viewer leaves the list before its stream task counts the drop: wait for the count, then check it is exact.
        await WaitUntilAsync(() => console.Feed.Viewers.ViewersDropped >= 1, timeout.Token);
        Assert.Equal(1, console.Feed.Viewers.ViewersDropped);
        Assert.True(console.Feed.Viewers.FramesDropped > 0, "frames published while the viewer stalled are counted as dropped");
        Assert.True(console.Feed.Viewers.FramesSent + console.Feed.Viewers.FramesDropped <= published,
            $"sent {console.Feed.Viewers.FramesSent} + dropped {console.Feed.Viewers.FramesDropped} > published {published}");
        Assert.True(published > 10, $"only {published} frames before the viewer was dropped");
        Assert.True(mostBuffers <= 6, $"{mostBuffers} image buffers alive at once (bound: current, one leased, four spares)");
        Assert.Equal(ConsoleView.None, console.Feed.WantedViews);
        Assert.True(await ClosedAsync(socket, timeout.Token), "the stalled viewer's connection is closed");
    }

    [Fact]
    public async Task Viewers_beyond_the_limit_are_refused_with_503()
    {
        await using var console = await TestConsole.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var streams = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < console.Feed.Viewers.MaxViewers; i++)
                streams.Add(await console.Client.GetAsync("stream/labels", HttpCompletionOption.ResponseHeadersRead, timeout.Token));
            Assert.All(streams, s => Assert.Equal(HttpStatusCode.OK, s.StatusCode));
            await WaitUntilAsync(() => console.Feed.Viewers.Count == console.Feed.Viewers.MaxViewers, timeout.Token);
            using var refused = await console.Client.GetAsync("stream/labels", timeout.Token);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("too_many_viewers", await refused.Content.ReadAsStringAsync(timeout.Token));
            Assert.Equal(1, console.Feed.Viewers.ViewersDropped);
        }
        finally
        {
            streams.ForEach(s => s.Dispose());
        }
        await WaitUntilAsync(() => console.Feed.Viewers.Count == 0, timeout.Token);
    }

    [Fact]
    public async Task Stopping_the_host_ends_open_streams()
    {
        await using var console = await TestConsole.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var response = await console.Client.GetAsync("stream/overlay", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        var body = await response.Content.ReadAsStreamAsync(timeout.Token);
        await WaitUntilAsync(() => console.Feed.Viewers.Count == 1, timeout.Token);
        await console.Host.StopAsync(timeout.Token);
        Assert.Equal(0, await body.ReadAsync(new byte[16], timeout.Token));
        Assert.Equal(0, console.Feed.Viewers.Count);
        Assert.Equal(0, console.Feed.Viewers.ViewersDropped);
    }

    private static byte[] FakeJpeg(int frame, int length)
    {
        var data = new byte[length];
        data.AsSpan().Fill((byte)frame);
        data[0] = 0xFF;
        data[1] = 0xD8;
        return data;
    }

    private static async Task<bool> ClosedAsync(Socket socket, CancellationToken cancel)
    {
        var buffer = new byte[64 * 1024];
        try
        {
            while (await socket.ReceiveAsync(buffer, cancel) > 0)
            {
            }
            return true;
        }
        catch (SocketException)
        {
            return true;
        }
    }

    private static async Task WaitUntilAsync(Func<bool> condition, CancellationToken cancel)
    {
        while (!condition())
            await Task.Delay(10, cancel);
    }
}
