using System.Diagnostics;
using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline;

/// <summary>
/// The stage thread (docs/architecture.md): takes the newest frame the inference thread completed, summarises the
/// drivable area, writes the <c>drivable</c> payload with the freshest GPS fix, and runs the stages in order, timing
/// each. A stage that throws is counted and logged (at most once a minute per stage) and the others still run: one
/// failing output must not silence the rest. Runs until the hand-off is complete and drained, then calls each stage's
/// <see cref="IFrameStage.EndOfRun"/>.
/// </summary>
public sealed class StageRunner
{
    private static readonly TimeSpan ErrorLogInterval = TimeSpan.FromMinutes(1);
    private readonly FrameHandoff _handoff;
    private readonly DrivableAnalyzer _analyzer;
    private readonly DrivablePayloadWriter _drivable;
    private readonly Func<GeoFix?> _freshFix;
    private readonly IReadOnlyList<IFrameStage> _stages;
    private readonly FrameContext _context;
    private readonly long[] _errors;
    private readonly long[] _lastErrorLog;
    private readonly ILogger _log;
    private long _processed;
    private volatile float _lastDrivableFraction = float.NaN;

    public StageRunner(FrameHandoff handoff, DrivableAnalyzer analyzer, FrameImages images, DrivablePayloadWriter drivable, Func<GeoFix?> freshFix,
        IReadOnlyList<IFrameStage> stages, ILogger log)
    {
        _handoff = handoff;
        _analyzer = analyzer;
        _drivable = drivable;
        _freshFix = freshFix;
        _stages = stages;
        _log = log;
        _context = new FrameContext(images, analyzer.Summary.Width, analyzer.Summary.Height);
        _errors = new long[stages.Count];
        _lastErrorLog = Enumerable.Repeat(long.MinValue, stages.Count).ToArray();
        Latencies = new StageLatencies(stages.Select(s => s.Name));
    }

    public StageLatencies Latencies { get; }

    /// <summary>Frames that went through every stage.</summary>
    public long Processed => Interlocked.Read(ref _processed);

    /// <summary>Exceptions thrown by stages, all stages together.</summary>
    public long StageErrors => _errors.Sum();

    /// <summary>Drivable fraction of the last processed frame (NaN before the first).</summary>
    public float LastDrivableFraction => _lastDrivableFraction;

    /// <summary>Processes frames until the hand-off is complete and drained; then ends the run of every stage.</summary>
    public void Run()
    {
        while (true)
        {
            var frame = _handoff.Take(TimeSpan.FromMilliseconds(200));
            if (frame is null)
            {
                if (_handoff.IsDrained)
                    break;
                continue;
            }
            try
            {
                Process(frame);
            }
            finally
            {
                _handoff.Release(frame);
            }
            Interlocked.Increment(ref _processed);
        }
        foreach (var stage in _stages)
            stage.EndOfRun();
    }

    private void Process(ProcessedFrame frame)
    {
        var t0 = Stopwatch.GetTimestamp();
        var summary = _analyzer.Analyze(frame.Buffers.Labels, frame.Buffers.Confidence);
        var t1 = Stopwatch.GetTimestamp();
        var captureToPublish = Stopwatch.GetElapsedTime(frame.CaptureTimestamp, t1).TotalMilliseconds;
        var fix = _freshFix();
        var json = _drivable.Write(new FrameStamp(frame.FrameId, frame.CapturedAt), summary,
            new FrameLatency(captureToPublish, frame.InferenceMs), fix);
        _context.Begin(frame, summary, fix, json, captureToPublish);
        Latencies.Add(StageLatencies.Preprocess, frame.PreprocessMs);
        Latencies.Add(StageLatencies.Inference, frame.InferenceMs);
        Latencies.Add(StageLatencies.Analysis, Stopwatch.GetElapsedTime(t0, t1).TotalMilliseconds);
        Latencies.Add(StageLatencies.CaptureToPublish, captureToPublish);
        for (var i = 0; i < _stages.Count; i++)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                _stages[i].Process(_context);
            }
            catch (Exception e)
            {
                Failed(i, e);
            }
            Latencies.Add(StageLatencies.Fixed.Length + i, Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
        _lastDrivableFraction = (float)summary.DrivableFraction;
    }

    private void Failed(int stage, Exception e)
    {
        var n = Interlocked.Increment(ref _errors[stage]);
        var now = Stopwatch.GetTimestamp();
        if (_lastErrorLog[stage] != long.MinValue && Stopwatch.GetElapsedTime(_lastErrorLog[stage], now) < ErrorLogInterval)
            return;
        _lastErrorLog[stage] = now;
        _log.LogError(e, "stage {Stage} failed on frame {Frame} ({Count} failures so far); the other stages go on", _stages[stage].Name,
            _context.Stamp.Frame, n);
    }
}
