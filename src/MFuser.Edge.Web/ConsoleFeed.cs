using System.Text.Json;
using MFuser.Edge.Web.Feed;
using MFuser.Edge.Web.Metrics;
using MFuser.Edge.Web.Streaming;

namespace MFuser.Edge.Web;

/// <summary>The seam between the daemon and the console. The daemon's console stage calls the <c>Publish*</c> methods
/// from its stage thread (once per processed frame) and from its stats timer; each copies the payload into a buffer
/// the feed owns and swaps one reference, so it returns at once whatever the browsers do. <see cref="DueViews"/>
/// says which images to encode for this frame, so nothing is encoded that nobody watches.</summary>
public sealed class ConsoleFeed : IDisposable
{
    /// <summary>How long a one-off image request (<c>/api/snapshot.jpg</c>, <c>/api/labels.png</c>) keeps its view wanted.</summary>
    internal static readonly TimeSpan DemandLinger = TimeSpan.FromSeconds(5);

    internal const int DefaultMaxViewers = 16;

    private static readonly ConsoleView[] AllViews = [ConsoleView.Camera, ConsoleView.Overlay, ConsoleView.LabelColors, ConsoleView.LabelIds];

    private readonly long _interval;
    private readonly long _demandLinger;
    private readonly long[] _demandUntil = new long[AllViews.Length];
    private readonly PayloadSlot[] _images = [new(), new(), new(), new()];
    private long _nextDue;
    private Func<ConsoleReadiness>? _readiness;

    /// <param name="fps">Highest image rate (<c>web.fps</c>).</param>
    /// <param name="timeProvider">Clock for the rate limit and the viewers' timestamps (tests pass a fake one).</param>
    public ConsoleFeed(double fps = ConsoleOptions.DefaultFps, TimeProvider? timeProvider = null)
    {
        if (!double.IsFinite(fps) || fps < ConsoleOptions.MinFps || fps > ConsoleOptions.MaxFps)
            throw new ArgumentOutOfRangeException(nameof(fps), fps, $"expected {ConsoleOptions.MinFps} to {ConsoleOptions.MaxFps} frames per second");
        Fps = fps;
        Time = timeProvider ?? TimeProvider.System;
        _interval = (long)(Time.TimestampFrequency / fps);
        _demandLinger = (long)(Time.TimestampFrequency * DemandLinger.TotalSeconds);
        Viewers = new ViewerRegistry(DefaultMaxViewers);
        Instruments = new ConsoleInstruments(Viewers.Measure);
    }

    public double Fps { get; }

    /// <summary>The views someone is looking at now: an MJPEG viewer, or an image request within the last
    /// <see cref="DemandLinger"/>. Not rate limited; the per-frame question is <see cref="DueViews"/>.</summary>
    public ConsoleView WantedViews
    {
        get
        {
            var wanted = Viewers.WatchedViews;
            var now = Time.GetTimestamp();
            for (var i = 0; i < AllViews.Length; i++)
            {
                if (Volatile.Read(ref _demandUntil[i]) > now)
                    wanted |= AllViews[i];
            }
            return wanted;
        }
    }

    /// <summary>The views to encode and publish for this frame: <see cref="WantedViews"/> at most <see cref="Fps"/>
    /// times a second, <see cref="ConsoleView.None"/> in between and while nobody watches. Call once per processed frame
    /// from the stage thread; an answer other than None uses up the interval.</summary>
    public ConsoleView DueViews()
    {
        var wanted = WantedViews;
        if (wanted == ConsoleView.None)
            return ConsoleView.None;
        var now = Time.GetTimestamp();
        if (now < _nextDue)
            return ConsoleView.None;
        _nextDue = now - _nextDue < _interval ? _nextDue + _interval : now + _interval;
        return wanted;
    }

    /// <summary>Publishes one encoded image: JPEG for <see cref="ConsoleView.Camera"/>, <see cref="ConsoleView.Overlay"/>
    /// and <see cref="ConsoleView.LabelColors"/>, the class-id PNG for <see cref="ConsoleView.LabelIds"/>.</summary>
    public void PublishImage(ConsoleView view, ReadOnlySpan<byte> encoded, long frame, DateTimeOffset capturedAt) =>
        ImageSlot(view).Publish(encoded, frame, capturedAt, Time.GetTimestamp());

    /// <summary>Publishes the drivable payload of the frame, byte for byte as on MQTT <c>drivable</c>.</summary>
    public void PublishDrivable(ReadOnlySpan<byte> json) => Drivable.Publish(json, -1, default, Time.GetTimestamp());

    /// <summary>Records the domain-shift score of a frame for the rolling plot (null: no score yet).</summary>
    public void PublishShiftScore(DateTimeOffset capturedAt, double? score) => Shift.Add(capturedAt, score ?? double.NaN);

    /// <summary>Publishes the info payload, byte for byte as on MQTT <c>info</c>.</summary>
    public void PublishInfo(ReadOnlySpan<byte> json) => Info.Publish(json, -1, default, Time.GetTimestamp());

    /// <summary>Publishes the stats payload, byte for byte as on MQTT <c>stats</c>.</summary>
    public void PublishStats(ReadOnlySpan<byte> json) => Stats.Publish(json, -1, default, Time.GetTimestamp());

    /// <summary>Adds one domain-shift episode event (a JSON object, as on MQTT <c>domain_shift</c>).</summary>
    /// <exception cref="ArgumentException">The payload is not one JSON object.</exception>
    public void PublishEpisodeEvent(ReadOnlySpan<byte> json)
    {
        if (!IsOneObject(json))
            throw new ArgumentException("an episode event must be one JSON object", nameof(json));
        Episodes.Add(json);
    }

    /// <summary>The episode thresholds drawn on the shift plot (<c>domain_shift.open_threshold</c>, <c>.close_threshold</c>).</summary>
    public void SetShiftThresholds(double open, double close) => Shift.SetThresholds(open, close);

    /// <summary>Sets the function <c>/readyz</c> asks (on an HTTP thread, once per request); it must not block.</summary>
    public void SetReadiness(Func<ConsoleReadiness> probe) => Volatile.Write(ref _readiness, probe);

    public void Dispose() => Instruments.Dispose();

    internal TimeProvider Time { get; }

    internal ViewerRegistry Viewers { get; }

    internal ConsoleInstruments Instruments { get; }

    internal PayloadSlot Info { get; } = new();

    internal PayloadSlot Stats { get; } = new();

    internal PayloadSlot Drivable { get; } = new();

    internal ShiftHistory Shift { get; } = new();

    internal EpisodeLog Episodes { get; } = new();

    /// <summary>Minimum time between two frames to one viewer, in <see cref="TimeProvider"/> timestamp ticks.</summary>
    internal long FrameInterval => _interval;

    /// <summary><see cref="FrameInterval"/> as a time span.</summary>
    internal TimeSpan FrameIntervalTime => TimeSpan.FromSeconds(1 / Fps);

    internal PayloadSlot ImageSlot(ConsoleView view) => _images[IndexOf(view)];

    /// <summary>Marks a view as wanted for <see cref="DemandLinger"/> (an image request arrived).</summary>
    internal void RequestView(ConsoleView view) =>
        Volatile.Write(ref _demandUntil[IndexOf(view)], Time.GetTimestamp() + _demandLinger);

    internal ConsoleReadiness Readiness()
    {
        var probe = Volatile.Read(ref _readiness);
        if (probe is null)
            return ConsoleReadiness.NotReady("the daemon has not reported readiness yet");
        try
        {
            return probe();
        }
        catch (Exception e)
        {
            return ConsoleReadiness.NotReady($"the readiness probe failed: {e.Message}");
        }
    }

    private static bool IsOneObject(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static int IndexOf(ConsoleView view) => view switch
    {
        ConsoleView.Camera => 0,
        ConsoleView.Overlay => 1,
        ConsoleView.LabelColors => 2,
        ConsoleView.LabelIds => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(view), view, "expected a single view"),
    };
}
