using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using MFuser.Edge.Web.Feed;
using MFuser.Edge.Web.Streaming;

namespace MFuser.Edge.Web.Http;

/// <summary>The console's routes: the page, the MJPEG streams, <c>/api/*</c>, the health probes. Payloads the daemon
/// publishes are served byte for byte; before the first one an endpoint answers 503 with a JSON reason.</summary>
internal sealed class ConsoleApi(ConsoleFeed feed, StaticAssets assets, ConsoleHostSettings settings, CancellationToken stopping)
{
    /// <summary>Everything but the streams answers HEAD as well (probes and link checkers use it).</summary>
    private static readonly string[] GetOrHead = [HttpMethods.Get, HttpMethods.Head];

    public void Map(IEndpointRouteBuilder routes)
    {
        foreach (var path in assets.Paths)
            routes.MapMethods(path, GetOrHead, context => assets.ServeAsync(context, path));
        routes.MapGet("/stream/{view}", StreamAsync);
        routes.MapMethods("/api/info", GetOrHead, context => PayloadAsync(context, feed.Info, "info"));
        routes.MapMethods("/api/stats", GetOrHead, context => PayloadAsync(context, feed.Stats, "stats"));
        routes.MapMethods("/api/drivable", GetOrHead, context => PayloadAsync(context, feed.Drivable, "drivable"));
        routes.MapMethods("/api/snapshot.jpg", GetOrHead, context => ImageAsync(context, ConsoleView.Camera, "image/jpeg"));
        routes.MapMethods("/api/overlay.jpg", GetOrHead, context => ImageAsync(context, ConsoleView.Overlay, "image/jpeg"));
        routes.MapMethods("/api/labels.png", GetOrHead, context => ImageAsync(context, ConsoleView.LabelIds, "image/png"));
        routes.MapMethods("/api/episodes", GetOrHead, context => JsonResponses.WriteBytesAsync(context, feed.Episodes.ToJsonArray()));
        routes.MapMethods("/api/shift", GetOrHead, context => JsonResponses.WriteAsync(context, feed.Shift.WriteJson));
        routes.MapMethods("/api/console", GetOrHead, ConsoleStatusAsync);
        routes.MapMethods("/healthz", GetOrHead, context =>
        {
            context.Response.ContentType = "text/plain; charset=utf-8";
            return context.Response.WriteAsync("ok\n");
        });
        routes.MapMethods("/readyz", GetOrHead, ReadyAsync);
    }

    /// <summary>The route of every path no other route matches (any method).</summary>
    public const string FallbackPattern = "{*path}";

    /// <summary>Where <see cref="MetricsPath"/> is served (by the OpenTelemetry exporter, which takes any method).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>Answers requests no route matched: 405 with <c>Allow</c> for a console path asked with another method
    /// than GET or HEAD (routing alone would say "no such resource"), else 404; both with a JSON body.</summary>
    public Task FallbackAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        var known = path == MetricsPath || path.StartsWith("/stream/", StringComparison.Ordinal) || assets.Paths.Contains(path)
                    || KnownPaths.Contains(path);
        if (!known || HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method))
            return JsonResponses.ErrorAsync(context, StatusCodes.Status404NotFound, "not_found",
                $"no such console resource: {path} (see /api/console and docs/console.md)");
        context.Response.Headers.Allow = path.StartsWith("/stream/", StringComparison.Ordinal) ? "GET" : "GET, HEAD";
        return JsonResponses.ErrorAsync(context, StatusCodes.Status405MethodNotAllowed, "method_not_allowed",
            $"{path} answers {context.Response.Headers.Allow}, not {context.Request.Method}");
    }

    private static readonly HashSet<string> KnownPaths =
    [
        "/api/info", "/api/stats", "/api/drivable", "/api/snapshot.jpg", "/api/overlay.jpg", "/api/labels.png", "/api/episodes", "/api/shift",
        "/api/console", "/healthz", "/readyz",
    ];

    private Task StreamAsync(HttpContext context)
    {
        var name = context.GetRouteValue("view") as string;
        if (!ViewNames.TryParseStreamable(name, out var view))
        {
            return JsonResponses.ErrorAsync(context, StatusCodes.Status404NotFound, "unknown_view",
                $"no stream '{name}': expected one of {string.Join(", ", ViewNames.Streamable.Select(ViewNames.Name))}");
        }
        return MjpegStream.ServeAsync(context, feed, view, settings.StallTimeout, stopping);
    }

    private static async Task PayloadAsync(HttpContext context, PayloadSlot slot, string topic)
    {
        using var lease = slot.Acquire();
        if (!lease.HasValue)
        {
            await JsonResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "not_yet",
                $"the daemon has not published '{topic}' yet", retryAfterSeconds: 1);
            return;
        }
        await JsonResponses.WriteBytesAsync(context, lease.Memory);
    }

    private async Task ImageAsync(HttpContext context, ConsoleView view, string contentType)
    {
        feed.RequestView(view);
        var slot = feed.ImageSlot(view);
        var fresh = Math.Max(2 * feed.FrameInterval, feed.Time.TimestampFrequency / 2);
        var version = 0L;
        using (var current = slot.Acquire())
        {
            if (current.HasValue && feed.Time.GetTimestamp() - current.PublishedAt <= fresh)
            {
                await WriteImageAsync(context, current, contentType);
                return;
            }
            version = current.Version;
        }
        var next = slot.NextPublish();
        if (slot.Version == version)
        {
            try
            {
                await next.WaitAsync(settings.ImageWait, feed.Time, context.RequestAborted);
            }
            catch (TimeoutException)
            {
                // Nothing newer within the wait: serve the last image if there is one.
            }
        }
        using var lease = slot.Acquire();
        if (!lease.HasValue)
        {
            await JsonResponses.ErrorAsync(context, StatusCodes.Status503ServiceUnavailable, "no_frame",
                $"no {ViewNames.Name(view)} image yet: the daemon produced none within {settings.ImageWait.TotalSeconds:0.#} s " +
                "(is the camera delivering frames?)", retryAfterSeconds: 1);
            return;
        }
        await WriteImageAsync(context, lease, contentType);
    }

    private static Task WriteImageAsync(HttpContext context, PayloadLease lease, string contentType)
    {
        var response = context.Response;
        response.ContentType = contentType;
        response.Headers.CacheControl = "no-store";
        response.Headers["X-Frame"] = lease.Frame.ToString(CultureInfo.InvariantCulture);
        response.Headers["X-Captured-At"] = lease.CapturedAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
        response.ContentLength = lease.Memory.Length;
        return response.Body.WriteAsync(lease.Memory, context.RequestAborted).AsTask();
    }

    private Task ConsoleStatusAsync(HttpContext context)
    {
        var viewers = feed.Viewers.Snapshot();
        var now = feed.Time.GetUtcNow();
        return JsonResponses.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteNumber("fps", feed.Fps);
            w.WriteNumber("max_viewers", feed.Viewers.MaxViewers);
            w.WriteNumber("frames_sent", feed.Viewers.FramesSent);
            w.WriteNumber("frames_dropped", feed.Viewers.FramesDropped);
            w.WriteNumber("viewers_dropped", feed.Viewers.ViewersDropped);
            w.WriteStartArray("viewers");
            foreach (var viewer in viewers)
            {
                w.WriteStartObject();
                w.WriteNumber("id", viewer.Id);
                w.WriteString("view", viewer.ViewName);
                w.WriteString("remote", viewer.Remote);
                w.WriteNumber("connected_s", Math.Round((now - viewer.ConnectedAt).TotalSeconds, 1));
                w.WriteNumber("sent", viewer.Sent);
                w.WriteNumber("dropped", viewer.Dropped);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    private Task ReadyAsync(HttpContext context)
    {
        var readiness = feed.Readiness();
        var status = readiness.IsReady ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        context.Response.StatusCode = status;
        context.Response.Headers.CacheControl = "no-store";
        return JsonResponses.WriteAsync(context, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("ready", readiness.IsReady);
            w.WriteString("reason", readiness.Reason);
            w.WriteEndObject();
        });
    }
}
