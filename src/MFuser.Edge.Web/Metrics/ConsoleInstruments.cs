using System.Diagnostics.Metrics;

namespace MFuser.Edge.Web.Metrics;

/// <summary>The console's own instruments on the <see cref="ConsoleMetrics.ConsoleMeterName"/> Meter. Names are
/// chosen so the Prometheus exporter's translation (dots to underscores, unit suffix, <c>_total</c> on counters)
/// yields the names documented in docs/console.md. Labels have small, fixed value sets: per-viewer detail is in
/// <c>/api/console</c>, not in labels.</summary>
internal sealed class ConsoleInstruments : IDisposable
{
    private readonly Meter _meter;
    private readonly Counter<long> _framesSent;
    private readonly Counter<long> _framesDropped;
    private readonly Counter<long> _streamBytes;
    private readonly Counter<long> _viewersDropped;
    private readonly Counter<long> _httpRequests;

    /// <param name="viewers">Observes the viewer count per view.</param>
    public ConsoleInstruments(Func<IEnumerable<Measurement<int>>> viewers)
    {
        _meter = new Meter(ConsoleMetrics.ConsoleMeterName);
        _meter.CreateObservableGauge("mfuser.edge.console.viewers", viewers, "{viewer}",
            "MJPEG viewers connected now, by view.");
        _framesSent = _meter.CreateCounter<long>("mfuser.edge.console.frames.sent", "{frame}",
            "Frames written to MJPEG viewers, by view.");
        _framesDropped = _meter.CreateCounter<long>("mfuser.edge.console.frames.dropped", "{frame}",
            "Frames a viewer skipped because a newer one replaced them before it could take them (latest wins), by view.");
        _streamBytes = _meter.CreateCounter<long>("mfuser.edge.console.stream", "By",
            "Bytes written to MJPEG viewers, by view.");
        _viewersDropped = _meter.CreateCounter<long>("mfuser.edge.console.viewers.dropped", "{viewer}",
            "Viewers the console closed or refused: reason stalled (stopped reading) or limit (too many viewers).");
        _httpRequests = _meter.CreateCounter<long>("mfuser.edge.console.http.requests", "{request}",
            "HTTP requests answered, by endpoint (route pattern) and status code.");
    }

    /// <summary>Adds zero to every per-view series, so each exists from the first scrape. Call once the exporter
    /// listens: a measurement made before that reaches no one.</summary>
    public void InitializeSeries(IEnumerable<string> views)
    {
        foreach (var view in views)
        {
            var tag = new KeyValuePair<string, object?>("view", view);
            _framesSent.Add(0, tag);
            _framesDropped.Add(0, tag);
            _streamBytes.Add(0, tag);
            _viewersDropped.Add(0, tag, new("reason", "stalled"));
            _viewersDropped.Add(0, tag, new("reason", "limit"));
        }
    }

    public void FrameSent(string view, int bytes)
    {
        var tag = new KeyValuePair<string, object?>("view", view);
        _framesSent.Add(1, tag);
        _streamBytes.Add(bytes, tag);
    }

    public void FramesDropped(string view, long count)
    {
        if (count > 0)
            _framesDropped.Add(count, new KeyValuePair<string, object?>("view", view));
    }

    public void ViewerDropped(string view, string reason) =>
        _viewersDropped.Add(1, new("view", view), new("reason", reason));

    public void HttpRequest(string endpoint, int statusCode) =>
        _httpRequests.Add(1, new("endpoint", endpoint), new("code", statusCode));

    public void Dispose() => _meter.Dispose();
}
