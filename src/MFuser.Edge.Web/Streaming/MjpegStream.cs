using System.Buffers;
using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using MFuser.Edge.Web.Feed;
using MFuser.Edge.Web.Http;

namespace MFuser.Edge.Web.Streaming;

/// <summary>Serves one MJPEG viewer: <c>multipart/x-mixed-replace</c>, one JPEG part per published frame of its view,
/// at most <see cref="ConsoleFeed.Fps"/> a second. The viewer reads the newest frame when it is ready for one (latest
/// wins, skipped frames counted); a viewer whose connection takes no data for the stall timeout is closed.</summary>
internal static class MjpegStream
{
    public const string Boundary = "mfuserframe";

    private static readonly byte[] PartEnd = "\r\n"u8.ToArray();

    public static async Task ServeAsync(HttpContext context, ConsoleFeed feed, ConsoleView view, TimeSpan stallTimeout)
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
        long lastVersion = 0;
        var stalled = false;
        try
        {
            var response = context.Response;
            response.ContentType = $"multipart/x-mixed-replace; boundary={Boundary}";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            await response.StartAsync(aborted);
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            long lastSentAt = 0;
            while (true)
            {
                var next = slot.NextPublish();
                if (slot.Version == lastVersion)
                {
                    await next.WaitAsync(aborted);
                    continue;
                }
                if (lastSentAt != 0)
                {
                    var wait = TimeSpan.FromSeconds((double)feed.FrameInterval / feed.Time.TimestampFrequency) - feed.Time.GetElapsedTime(lastSentAt);
                    if (wait > TimeSpan.Zero)
                        await Task.Delay(wait, feed.Time, aborted);
                }
                using var lease = slot.Acquire();
                if (!lease.HasValue)
                    continue;
                if (lastVersion > 0)
                {
                    feed.Viewers.CountDropped(viewer, lease.Version - lastVersion - 1);
                    feed.Instruments.FramesDropped(name, lease.Version - lastVersion - 1);
                }
                stall.CancelAfter(stallTimeout);
                try
                {
                    await WritePartAsync(response, lease, stall.Token);
                }
                catch (OperationCanceledException) when (!aborted.IsCancellationRequested)
                {
                    stalled = true;
                    throw;
                }
                stall.CancelAfter(Timeout.InfiniteTimeSpan);
                lastVersion = lease.Version;
                lastSentAt = feed.Time.GetTimestamp();
                feed.Viewers.CountSent(viewer);
                feed.Instruments.FrameSent(name, lease.Memory.Length);
            }
        }
        catch (OperationCanceledException)
        {
            // The browser went away (aborted), or the viewer stalled: either way this viewer ends here.
        }
        finally
        {
            feed.Viewers.Remove(viewer);
            if (stalled)
            {
                var missed = Math.Max(0, slot.Version - lastVersion);
                feed.Viewers.CountDropped(viewer, missed);
                feed.Instruments.FramesDropped(name, missed);
                feed.Viewers.CountViewerDropped();
                feed.Instruments.ViewerDropped(name, "stalled");
                context.Abort();
            }
        }
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
