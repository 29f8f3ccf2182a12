using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Messaging;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Pipeline;

/// <summary>The daemon's quarter-second tick while frames flow: publishes <c>stats</c> every
/// <c>publish.stats_interval_s</c> (to MQTT and the web console), redraws the terminal status line once a second, and tells the frame watchdog
/// whether the source is away (a missing frame is then not a stall). Runs on the host's thread pool, never on the
/// frame path; its timer allocates nothing per tick.</summary>
public sealed class Supervisor(EdgeConfig config, CaptureWorker capture, FrameSlot slot, StageRunner runner, MqttLink link, StatsReporter reporter,
    FrameWatchdog watchdog, FrameStages stages, string provider)
{
    private readonly DomainShiftStage? _shift = stages.All.OfType<DomainShiftStage>().FirstOrDefault();
    private readonly ConsoleStage? _console = stages.All.OfType<ConsoleStage>().FirstOrDefault();

    /// <summary>Ticks until <paramref name="stageThread"/> completes.</summary>
    public async Task RunAsync(Task stageThread, Stopwatch clock)
    {
        var statusLine = StatusLine.Enabled(config.StatusLine);
        var nextStats = config.Publish.StatsInterval;
        var (statsProcessed, statsAt) = (0L, clock.Elapsed);
        var (lineProcessed, lineAt) = (0L, clock.Elapsed);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        _ = stageThread.ContinueWith(_ => tick.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (await tick.WaitForNextTickAsync(CancellationToken.None) && !stageThread.IsCompleted)
        {
            var now = clock.Elapsed;
            if (watchdog.SourceAvailable != capture.Connected)
                watchdog.SourceAvailable = capture.Connected;
            if (now >= nextStats)
            {
                var fps = (runner.Processed - statsProcessed) / (now - statsAt).TotalSeconds;
                (statsProcessed, statsAt) = (runner.Processed, now);
                var stats = reporter.Take(now, fps, wholeRun: false).ToUtf8Json();
                link.TryPublish(link.Topics.Stats, stats);
                _console?.Feed.PublishStats(stats);
                nextStats = now + config.Publish.StatsInterval;
            }
            if (statusLine && now - lineAt >= TimeSpan.FromSeconds(1))
            {
                var fps = (runner.Processed - lineProcessed) / (now - lineAt).TotalSeconds;
                (lineProcessed, lineAt) = (runner.Processed, now);
                StatusLine.Draw(Line(fps));
            }
        }
        if (statusLine)
            StatusLine.End();
    }

    private string Line(double fps)
    {
        var p50 = runner.Latencies.Summarise(wholeRun: true).GetValueOrDefault("capture_to_publish")?.P50 ?? double.NaN;
        return $"{fps,5:F1} fps | latency p50 {p50:F1} ms | drivable {runner.LastDrivableFraction:P0} | {provider} | broker "
               + $"{(link.IsConnected ? "connected" : "DISCONNECTED")} | frames {runner.Processed} dropped {slot.Dropped}"
               + (_shift?.Monitor.InEpisode == true ? " | DOMAIN SHIFT" : "");
    }
}
