using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>
/// Turns per-frame <see cref="DomainSignals"/> into shift episodes. Each signal is smoothed (EMA over capture time)
/// and compared with its reference: z = |smoothed − mean| / max(std, floor). The shift score is the largest z (the
/// dominant signal names what changed: brightness at night, contrast and sharpness in fog, the embedding when the
/// model sees something new). Hysteresis opens an episode once the score stayed ≥ open threshold for
/// <see cref="DomainShiftOptions.OpenAfter"/>, emits updates while it lasts, and ends it once the score stayed below
/// the close threshold for <see cref="DomainShiftOptions.CloseAfter"/> (and the episode is at least
/// <see cref="DomainShiftOptions.MinDuration"/> long); a cool-down follows. Signals the reference lacks are learned
/// during the warm-up. Times are the frames' capture times, so replays are deterministic. Allocates only when it
/// emits an event. Not thread-safe: call from the analysis stage.
/// </summary>
public sealed class DomainShiftMonitor
{
    private readonly DomainShiftOptions _options;
    private readonly EmbeddingReference? _embedding;
    private readonly SignalReference?[] _reference = new SignalReference?[ShiftSignals.Count];
    private readonly DomainBaseline.Welford[] _warmup = new DomainBaseline.Welford[ShiftSignals.Count];
    private readonly double[] _smoothed = new double[ShiftSignals.Count];
    private readonly double[] _z = new double[ShiftSignals.Count];
    private DateTimeOffset? _first, _last, _aboveSince, _belowSince, _cooldownUntil, _lastEvent;
    private FrameStamp _lastFrame;
    private bool _warm;
    private string? _episodeId;
    private int _sequence;
    private DateTimeOffset _startedAt;
    private double _peak;

    /// <param name="options">Thresholds; validated here.</param>
    /// <param name="reference">In-domain statistics (model package or per-vehicle baseline); null: all learned during
    /// the warm-up (without an embedding reference the embedding is not used).</param>
    public DomainShiftMonitor(DomainShiftOptions options, DomainReference? reference = null)
    {
        options.Validate();
        _options = options;
        _embedding = reference?.Embedding;
        foreach (var signal in ShiftSignals.All)
            _reference[(int)signal] = reference?[signal];
        Array.Fill(_smoothed, double.NaN);
        Array.Fill(_z, double.NaN);
    }

    /// <summary>True while an episode is open.</summary>
    public bool InEpisode => _episodeId is not null;

    /// <summary>Id of the open episode, else null.</summary>
    public string? EpisodeId => _episodeId;

    /// <summary>The latest shift score (largest z-score); NaN before the warm-up ends.</summary>
    public double Score { get; private set; } = double.NaN;

    /// <summary>The signal with the largest z-score.</summary>
    public ShiftSignal Dominant { get; private set; }

    /// <summary>Smoothed signal values (compared scale), indexed by <see cref="ShiftSignal"/>; NaN: absent.</summary>
    public ReadOnlySpan<double> Smoothed => _smoothed;

    /// <summary>z-scores of the smoothed signals, indexed by <see cref="ShiftSignal"/>; NaN: absent or not referenced.</summary>
    public ReadOnlySpan<double> ZScores => _z;

    /// <summary>The embedding reference in use (null: none, the embedding is ignored).</summary>
    public EmbeddingReference? EmbeddingReference => _embedding;

    /// <summary>Feeds one frame. <paramref name="embedding"/> is the model's <c>embedding</c> output (empty: none);
    /// its distance to the reference is filled in here. Returns an event on a transition, else null.</summary>
    public EpisodeEvent? Observe(DomainSignals signals, ReadOnlySpan<float> embedding, in FrameStamp frame)
    {
        var t = frame.CapturedAt;
        _lastFrame = frame;
        if (_embedding is not null && !embedding.IsEmpty)
            signals[ShiftSignal.EmbeddingDistance] = _embedding.Distance(embedding);
        var dt = _last is { } last ? Math.Max(0, (t - last).TotalSeconds) : double.PositiveInfinity;
        _last = t;
        _first ??= t;
        var alpha = _options.Smoothing <= TimeSpan.Zero ? 1 : 1 - Math.Exp(-dt / _options.Smoothing.TotalSeconds);
        for (var i = 0; i < ShiftSignals.Count; i++) // for, not foreach over the list: no enumerator per frame
        {
            var signal = (ShiftSignal)i;
            var x = signals[signal];
            if (!double.IsFinite(x))
                continue;
            x = signal.ToComparedScale(x);
            _smoothed[i] = double.IsNaN(_smoothed[i]) ? x : _smoothed[i] + alpha * (x - _smoothed[i]);
            if (!_warm && _reference[i] is null)
                _warmup[i].Add(x);
        }
        if (!_warm)
        {
            if (t - _first.Value < _options.Warmup)
                return null;
            _warm = true;
            foreach (var signal in ShiftSignals.All)
                if (_reference[(int)signal] is null && _warmup[(int)signal].N >= 2)
                    _reference[(int)signal] = _warmup[(int)signal].Reference;
        }

        var score = double.NaN;
        for (var i = 0; i < ShiftSignals.Count; i++)
        {
            var signal = (ShiftSignal)i;
            _z[i] = _reference[i] is { } r && !double.IsNaN(_smoothed[i])
                ? Math.Abs(_smoothed[i] - r.Mean) / Math.Max(r.Std, signal.StdFloor())
                : double.NaN;
            if (!double.IsNaN(_z[i]) && !(score >= _z[i]))
            {
                score = _z[i];
                Dominant = signal;
            }
        }
        Score = score;
        if (double.IsNaN(score))
            return null;
        return _episodeId is null ? WhileClosed(frame) : WhileOpen(frame);
    }

    private EpisodeEvent? WhileClosed(in FrameStamp frame)
    {
        var t = frame.CapturedAt;
        if (Score < _options.OpenThreshold || t < _cooldownUntil)
        {
            _aboveSince = null;
            return null;
        }
        _aboveSince ??= t;
        if (t - _aboveSince.Value < _options.OpenAfter)
            return null;
        _episodeId = Guid.CreateVersion7(t).ToString("N");
        _sequence = 0;
        _startedAt = _aboveSince.Value;
        _peak = Score;
        _belowSince = null;
        _lastEvent = t;
        return Emit(EpisodeEventKind.New, frame, null);
    }

    private EpisodeEvent? WhileOpen(in FrameStamp frame)
    {
        var t = frame.CapturedAt;
        _peak = Math.Max(_peak, Score);
        if (Score < _options.CloseThreshold)
        {
            _belowSince ??= t;
            if (t - _belowSince.Value >= _options.CloseAfter && t - _startedAt >= _options.MinDuration)
            {
                var end = Emit(EpisodeEventKind.End, frame, t, EpisodeEndReason.Recovered);
                _episodeId = null;
                _aboveSince = null;
                _cooldownUntil = t + _options.Cooldown;
                return end;
            }
        }
        else
            _belowSince = null;
        if (t - _lastEvent!.Value < _options.UpdateInterval)
            return null;
        _lastEvent = t;
        return Emit(EpisodeEventKind.Update, frame, null);
    }

    /// <summary>Ends the open episode because the daemon stops (<see cref="EpisodeEndReason.Shutdown"/>), at
    /// <paramref name="at"/>, as of the last observed frame; null when no episode is open.</summary>
    public EpisodeEvent? EndOpenEpisode(DateTimeOffset at)
    {
        if (_episodeId is null)
            return null;
        var end = Emit(EpisodeEventKind.End, _lastFrame, at, EpisodeEndReason.Shutdown);
        _episodeId = null;
        return end;
    }

    private EpisodeEvent Emit(EpisodeEventKind kind, in FrameStamp frame, DateTimeOffset? endedAt, EpisodeEndReason? reason = null) =>
        new(kind, _episodeId!, _sequence++, frame, _startedAt, endedAt, Score, _peak, Dominant, (double[])_smoothed.Clone(),
            (double[])_z.Clone(), reason);
}
