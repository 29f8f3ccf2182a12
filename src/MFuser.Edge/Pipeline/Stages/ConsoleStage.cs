using System.Diagnostics;
using System.Globalization;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Systemd;
using MFuser.Edge.Web;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>
/// Feeds the web console (docs/console.md) from the read-only frame: the drivable payload and the shift score every
/// frame, the images only when a viewer or an image request wants them and at most <c>web.fps</c> times a second
/// (encoded lazily through <see cref="FrameContext"/>, so a frame another stage already encoded is not encoded again),
/// and the episode events as the domain-shift stage makes them. Every call copies into the feed's latest-wins slots
/// and returns: nothing here waits for a browser. It also answers <c>/readyz</c> (<see cref="Readiness"/>).
/// </summary>
public sealed class ConsoleStage : IFrameStage, IEpisodeRecorder
{
    private readonly FrameWatchdog _watchdog;
    private readonly Func<double>? _shiftScore;
    private long _lastFrame = long.MinValue;

    /// <param name="shiftScore">The domain-shift score of the frame just processed (NaN before there is one); null when the
    /// monitor is off.</param>
    public ConsoleStage(WebConfig config, FrameWatchdog watchdog, DomainShiftOptions? shift, Func<double>? shiftScore)
    {
        Config = config;
        Feed = new ConsoleFeed(config.Fps);
        _watchdog = watchdog;
        _shiftScore = shiftScore;
        if (shift is not null)
            Feed.SetShiftThresholds(shift.OpenThreshold, shift.CloseThreshold);
        Feed.SetReadiness(() => Readiness(Stopwatch.GetTimestamp()));
    }

    public string Name => "console";

    public WebConfig Config { get; }

    public ConsoleFeed Feed { get; }

    /// <summary>The console options of <paramref name="web"/>.</summary>
    public static ConsoleOptions Options(WebConfig web) => new() { Enabled = web.Enabled, Listen = web.Listen, Token = web.Token, Fps = web.Fps };

    /// <summary>The problems the console library finds with the <c>web.*</c> keys (listen address, token rules), each
    /// named with where its value came from (<paramref name="originOf"/>: file, environment variable or default).</summary>
    public static IEnumerable<ConfigProblem> Check(WebConfig web, Func<string, string>? originOf = null) =>
        Options(web).Validate().Select(p => new ConfigProblem(originOf?.Invoke(p.Key) ?? "configuration", p.Key, p.Value, "expected " + p.Expected));

    /// <summary>Binds <c>web.listen</c> and serves the console until the host is disposed.</summary>
    /// <exception cref="ConfigException">The address cannot be bound (in use, not on this machine).</exception>
    public async Task<ConsoleHost> StartHostAsync(ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        try
        {
            return await ConsoleHost.StartAsync(Options(Config), Feed, loggers, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException([new ConfigProblem("configuration", ConsoleOptions.ListenKey, null, e.Message)]);
        }
    }

    public void Process(FrameContext frame)
    {
        Volatile.Write(ref _lastFrame, Stopwatch.GetTimestamp());
        Feed.PublishDrivable(frame.DrivableJson.Span);
        if (_shiftScore is not null)
        {
            var score = _shiftScore();
            Feed.PublishShiftScore(frame.Stamp.CapturedAt, double.IsFinite(score) ? score : null);
        }
        var due = Feed.DueViews();
        if (due == ConsoleView.None)
            return;
        var (id, at) = (frame.Stamp.Frame, frame.Stamp.CapturedAt);
        if ((due & ConsoleView.Camera) != 0)
            Feed.PublishImage(ConsoleView.Camera, frame.CameraJpeg(), id, at);
        if ((due & ConsoleView.Overlay) != 0)
            Feed.PublishImage(ConsoleView.Overlay, frame.OverlayJpeg(), id, at);
        if ((due & ConsoleView.LabelColors) != 0)
            Feed.PublishImage(ConsoleView.LabelColors, frame.LabelColoursJpeg(), id, at);
        if ((due & ConsoleView.LabelIds) != 0)
            Feed.PublishImage(ConsoleView.LabelIds, frame.LabelsPng(), id, at);
    }

    /// <summary>An episode event for the console's list (called by the domain-shift stage on the stage thread).</summary>
    public void Episode(EpisodeEvent e, byte[] json) => Feed.PublishEpisodeEvent(json);

    /// <summary>Per-frame signals are not shown.</summary>
    public void Signals(in FrameStamp frame, ReadOnlySpan<byte> json)
    {
    }

    /// <summary><c>/readyz</c>, by the frame watchdog's rule: ready while processed frames arrive within
    /// <c>watchdog.stall_s</c>. Unlike the systemd watchdog (liveness), a source that is away and being reopened makes the
    /// daemon not ready, though alive.</summary>
    public ConsoleReadiness Readiness(long nowTimestamp)
    {
        var last = Volatile.Read(ref _lastFrame);
        if (last == long.MinValue)
            return ConsoleReadiness.NotReady("no frame processed yet");
        if (!_watchdog.SourceAvailable)
            return ConsoleReadiness.NotReady("the source is away and being reopened");
        var since = Stopwatch.GetElapsedTime(last, nowTimestamp);
        var ago = since.TotalSeconds.ToString("F1", CultureInfo.InvariantCulture);
        return since < _watchdog.StallAfter
            ? ConsoleReadiness.Ready($"frames flowing (last {ago} s ago)")
            : ConsoleReadiness.NotReady($"no frame for {ago} s (watchdog.stall_s = "
                                        + $"{_watchdog.StallAfter.TotalSeconds.ToString(CultureInfo.InvariantCulture)})");
    }

    public ValueTask DisposeAsync()
    {
        Feed.Dispose();
        return ValueTask.CompletedTask;
    }
}
