using MFuser.Edge.Core.Analysis;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>Where a domain-shift stage also sends its events and per-frame signals: the field log.</summary>
public interface IEpisodeRecorder
{
    void Episode(EpisodeEvent e, byte[] json);

    void Signals(in FrameStamp frame, ReadOnlySpan<byte> json);
}

/// <summary>
/// The domain-shift monitor (docs/field-logging.md §3-§4): per frame, the image statistics of the model input, the
/// confidence/entropy means and the embedding go into the <see cref="DomainShiftMonitor"/>; an episode transition
/// becomes a <c>domain_shift</c> event for the must-deliver publisher (and the field log); at the end of the run an
/// episode still open is ended (<c>end_reason: "shutdown"</c>). Allocation-free per frame except when an event is made.
/// </summary>
public sealed class DomainShiftStage : IFrameStage
{
    private readonly FrameSignals _signals;
    private readonly ShiftSignalsWriter _signalsJson = new();
    private readonly EpisodePublisher _publisher;
    private readonly IEpisodeRecorder? _recorder;
    private readonly Func<GeoFix?> _freshFix;
    private readonly ILogger _log;
    private long _events;

    public DomainShiftStage(DomainShiftOptions options, DomainReference? reference, int width, int height, EpisodePublisher publisher,
        IEpisodeRecorder? recorder, Func<GeoFix?> freshFix, ILogger log)
    {
        Monitor = new DomainShiftMonitor(options, reference);
        _signals = new FrameSignals(width, height);
        _publisher = publisher;
        _recorder = recorder;
        _freshFix = freshFix;
        _log = log;
    }

    public DomainShiftMonitor Monitor { get; }

    public string Name => "domain_shift";

    /// <summary>Episode events emitted so far.</summary>
    public long Events => Interlocked.Read(ref _events);

    public void Process(FrameContext frame)
    {
        if (Monitor.Observe(_signals.Compute(frame.Image, frame.Summary), frame.Embedding, frame.Stamp) is { } e)
        {
            Emit(e, frame.Fix);
            _log.LogInformation("domain shift episode {Id} {Kind}: score {Score:F1} (peak {Peak:F1}), dominant {Dominant}",
                e.EpisodeId, e.KindName, e.Score, e.PeakScore, e.Dominant.Name());
        }
        _recorder?.Signals(frame.Stamp, _signalsJson.Write(Monitor, frame.Stamp).Span);
    }

    /// <summary>An episode still open when the run ends gets its <c>end</c> event (<c>end_reason: "shutdown"</c>),
    /// through the must-deliver path and into the field log like any other.</summary>
    public void EndOfRun()
    {
        if (Monitor.EndOpenEpisode(DateTimeOffset.UtcNow) is not { } e)
            return;
        Emit(e, _freshFix());
        _log.LogInformation("domain shift episode {Id} end: the daemon stops with it open (end_reason shutdown, after {Duration:F1} s)",
            e.EpisodeId, e.Duration.TotalSeconds);
    }

    private void Emit(EpisodeEvent e, GeoFix? fix)
    {
        Interlocked.Increment(ref _events);
        var json = EpisodeEventJson.Serialize(e, fix);
        _publisher.Publish(json, episodeOpen: e.Kind != EpisodeEventKind.End);
        _recorder?.Episode(e, json);
    }

    public StatsPayload AddStats(StatsPayload stats) => stats with
    {
        DomainShift = new DomainShiftStats(Monitor.InEpisode, Monitor.EpisodeId, double.IsFinite(Monitor.Score) ? Math.Round(Monitor.Score, 3) : null,
            Events, _publisher.Stored, _publisher.Refused),
    };

    /// <summary>Hands the queued events to the must-deliver store.</summary>
    public async ValueTask DisposeAsync()
    {
        await _publisher.DisposeAsync();
        _log.LogInformation("domain shift: {Events} episode events ({Stored} handed to the must-deliver store, {Refused} refused); {State}",
            Events, _publisher.Stored, _publisher.Refused, Monitor.InEpisode ? $"episode {Monitor.EpisodeId} still open" : "no episode open");
    }
}
