using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Pipeline;

/// <summary>The latest latency samples of one pipeline stage (a fixed ring, no allocation per sample), summarised as
/// percentiles. Written by the inference thread, read by the stats timer.</summary>
public sealed class LatencyWindow(int capacity)
{
    private readonly double[] _samples = new double[capacity];
    private readonly double[] _scratch = new double[capacity];
    private readonly object _lock = new();
    private long _count;

    public void Add(double ms)
    {
        lock (_lock)
            _samples[_count++ % _samples.Length] = ms;
    }

    /// <summary>Percentiles of the retained samples (the last <c>capacity</c>); null when there are none.
    /// <paramref name="reset"/> empties the window afterwards (per-interval statistics).</summary>
    public LatencyPercentiles? Summarise(bool reset)
    {
        int n;
        lock (_lock)
        {
            n = (int)Math.Min(_count, _samples.Length);
            Array.Copy(_samples, _scratch, n);
            if (reset)
                _count = 0;
        }
        if (n == 0)
            return null;
        Array.Sort(_scratch, 0, n);
        double At(double q) => _scratch[Math.Min(n - 1, (int)Math.Ceiling(q * n) - 1)];
        return new LatencyPercentiles(Round(At(0.5)), Round(At(0.9)), Round(At(0.99)), Round(_scratch[n - 1]));
    }

    private static double Round(double ms) => Math.Round(ms, 3);
}

/// <summary>The stages whose latency is measured, in pipeline order, with their <c>stats.latency_ms</c> names.</summary>
public enum Stage
{
    /// <summary>Resize of the captured frame into the model input.</summary>
    Preprocess,
    Inference,
    /// <summary>Drivable-area summary.</summary>
    Analysis,
    /// <summary>Payload encoding (JSON, PNG, JPEG) and hand-over to the MQTT queue.</summary>
    Publish,
    /// <summary>From the capture timestamp to the hand-over of <c>drivable</c>.</summary>
    CaptureToPublish,
}

/// <summary>Per-stage windows for one stats interval and for the whole run.</summary>
public sealed class StageLatencies
{
    public static readonly string[] Names = ["preprocess", "inference", "analysis", "publish", "capture_to_publish"];
    private readonly LatencyWindow[] _interval = Names.Select(_ => new LatencyWindow(4096)).ToArray();
    private readonly LatencyWindow[] _run = Names.Select(_ => new LatencyWindow(1 << 16)).ToArray();

    public void Add(Stage stage, double ms)
    {
        _interval[(int)stage].Add(ms);
        _run[(int)stage].Add(ms);
    }

    /// <summary>Percentiles per stage name since the last call (interval) or over the run (the last 65536 frames).</summary>
    public Dictionary<string, LatencyPercentiles> Summarise(bool wholeRun)
    {
        var result = new Dictionary<string, LatencyPercentiles>();
        var windows = wholeRun ? _run : _interval;
        for (var i = 0; i < Names.Length; i++)
            if (windows[i].Summarise(reset: !wholeRun) is { } p)
                result[Names[i]] = p;
        return result;
    }
}
