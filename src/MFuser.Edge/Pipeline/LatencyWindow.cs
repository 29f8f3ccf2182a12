using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Pipeline;

/// <summary>The latest latency samples of one pipeline step (a fixed ring, no allocation per sample), summarised as
/// percentiles. Written by one pipeline thread, read by the stats timer.</summary>
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

/// <summary>Latency windows per pipeline step, for one stats interval and for the whole run: the fixed steps
/// (<see cref="Fixed"/>) and then one per stage, named as in <c>stats.latency_ms</c>. Each sample also goes into the
/// <c>mfuser_edge_stage_duration_seconds</c> histogram (label <c>stage</c>), allocation-free.</summary>
public sealed class StageLatencies
{
    /// <summary>Resize/copy into the model input; the session run; the drivable summary; capture to the drivable payload.</summary>
    public const int Preprocess = 0, Inference = 1, Analysis = 2, CaptureToPublish = 3;

    public static readonly string[] Fixed = ["preprocess", "inference", "analysis", "capture_to_publish"];
    private readonly string[] _names;
    private readonly LatencyWindow[] _interval;
    private readonly LatencyWindow[] _run;
    private readonly KeyValuePair<string, object?>[] _tags;

    /// <param name="stageNames">Names of the stages after the fixed steps; stage i is step <c>Fixed.Length + i</c>.</param>
    public StageLatencies(IEnumerable<string> stageNames)
    {
        _names = [.. Fixed, .. stageNames];
        _interval = _names.Select(_ => new LatencyWindow(4096)).ToArray();
        _run = _names.Select(_ => new LatencyWindow(1 << 16)).ToArray();
        _tags = _names.Select(n => new KeyValuePair<string, object?>("stage", n)).ToArray();
    }

    public void Add(int step, double ms)
    {
        _interval[step].Add(ms);
        _run[step].Add(ms);
        DaemonMetrics.StageDuration.Record(ms / 1000, _tags[step]);
    }

    /// <summary>Percentiles per step name since the last call (interval) or over the run (the last 65536 frames).</summary>
    public Dictionary<string, LatencyPercentiles> Summarise(bool wholeRun)
    {
        var result = new Dictionary<string, LatencyPercentiles>();
        var windows = wholeRun ? _run : _interval;
        for (var i = 0; i < _names.Length; i++)
            if (windows[i].Summarise(reset: !wholeRun) is { } p)
                result[_names[i]] = p;
        return result;
    }
}
