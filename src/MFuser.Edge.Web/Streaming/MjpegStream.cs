using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using MFuser.Edge.Web.Feed;
using MFuser.Edge.Web.Http;

namespace MFuser.Edge.Web.Streaming;

/// <summary>Serves one MJPEG viewer: <c>multipart/x-mixed-replace</c>, one JPEG part per published frame of its view,
/// at most <see cref="ConsoleFeed.Fps"/> a second. The viewer reads the newest frame when it is ready for one (latest
/// wins, skipped frames counted); a viewer whose connection takes no data for the stall timeout is closed. When the
/// host stops, the stream ends at once instead of holding the shutdown.</summary>
internal static class MjpegStream
{
    public const string Boundary = "mfuserframe";

    private static readonly byte[] PartEnd = "\r\n"u8.ToArray();

    public static async Task ServeAsync(HttpContext context, ConsoleFeed feed, ConsoleView view, TimeSpan stallTimeout,
        CancellationToken stopping)
    {
        var remote = $"{context.Connection.RemoteIpAddress}:{context.Connection.RemotePort}";
        var name = ViewNames.Name(view);
        var viewer = feed.Viewers.TryAdd(view, remote, feed.Time.GetUtcNow());
        if (viewer is null)
        {
            feed.Viewers.CountViewerDropped();
            feed.Instruments.ViewerDropped(name, "limit");
            await JsonResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "too_many_viewers",
                $"{feed.Viewers.MaxViewers} viewers are connected already; close one and retry", retryAfterSeconds: 5);
            return;
        }
        var slot = feed.ImageSlot(view);
        var aborted = context.RequestAborted;
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(aborted, stopping);
        long lastVersion = 0;
        var stalled = false;
        try
        {
            var response = context.Response;
            response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(aborted);
            await response.BodyWriter.FlushAsync(aborted);
            // The stall timer is its own source: when it fires, Kestrel aborts the connection under the canceled write,
            // so "the request was aborted" cannot tell a stalled viewer from one that left.
            using var stallTimer = new CancellationTokenSource();
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(ending.Token, stallTimer.Token);
            long lastSentAt = 0;
            while (true)
            {
                var next = slot.NextPublish();
                if (slot.Version == lastVersion)
                {
                    await next.WaitAsync(ending.Token);
                    continue;
                }
                if (lastSentAt != 0)
                {
                    var wait = feed.FrameIntervalTime - feed.Time.GetElapsedTime(lastSentAt);
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, feed.Time, ending.Token);
                }
                using var lease = slot.Acquire();
                if (!lease.HasValue)
                    continue;
                if (lastVersion > 0)
                    CountDropped(feed, viewer, lease.Version - lastVersion - 1);
                lastVersion = lease.Version;
                stallTimer.CancelAfter(stallTimeout);
                try
                {
                    await WritePartAsync(response, lease, stall.Token);
                }
                catch (OperationCanceledException) when (stallTimer.IsCancellationRequested && !stopping.IsCancellationRequested)
                {
                    stalled = true;
                    throw;
                }
                stallTimer.CancelAfter(Timeout.InfiniteTimeSpan);
                lastSentAt = feed.Time.GetTimestamp();
                feed.Viewers.CountSent(viewer);
                feed.Instruments.FrameSent(name, lease.Memory.Length);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser went away, the host is stopping, or the viewer stalled: this viewer ends here.
        }
        finally
        {
            feed.Viewers.Remove(viewer);
            if (stalled)
            {
                // The frame it stalled on never arrived whole, nor did any published since.
                CountDropped(feed, viewer, slot.Version - lastVersion + 1);
                feed.Viewers.CountViewerDropped();
                feed.Instruments.ViewerDropped(name, "stalled");
                context.Abort();
            }
        }
    }

    private static void CountDropped(ConsoleFeed feed, Viewer viewer, long frames)
    {
        feed.Viewers.CountDropped(viewer, frames);
        feed.Instruments.FramesDropped(viewer.ViewName, frames);
    }

    private static async Task WritePartAsync(HttpResponse response, PayloadLease lease, CancellationToken cancel)
    {
        var header = string.Create(CultureInfo.InvariantCulture,
            $"--{Boundary}\r\nContent-Type: image/jpeg\r\nContent-Length: {lease.Memory.Length}\r\nX-Frame: {lease.Frame}\r\n\r\n");
        var writer = response.BodyWriter;
        writer.Write<byte>(Encoding.ASCII.GetBytes(header));
        writer.Write(lease.Memory.Span);
        writer.Write<byte>(PartEnd);
        var result = await writer.FlushAsync(cancel);
        if (result.IsCanceled)
            throw new OperationCanceledException(cancel);
    }
}
