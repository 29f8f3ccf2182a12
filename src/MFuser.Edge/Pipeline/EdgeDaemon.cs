using System.Diagnostics;
using MFuser.Edge.Core.Analysis;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Cli;
using MFuser.Edge.FieldOps;
using MFuser.Edge.Inference;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Systemd;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline;

/// <summary>How a run ended: the process exit code and, for failures, the message for stderr.</summary>
public sealed class RunOutcome
{
    public int ExitCode { get; set; } = ExitCodes.Ok;
    public string? Error { get; set; }
}

/// <summary>The daemon: starts the broker link (and the embedded broker), capture and the inference loop; publishes
/// <c>info</c> (retained) and <c>stats</c>, with the field operations the configuration turns on
/// (<see cref="FieldOperations"/>); tells systemd READY=1 once (after warm-up, when capture starts), pets its watchdog
/// while frames flow and says STOPPING=1; stops cleanly after <c>run.max_frames</c> or on SIGTERM/Ctrl-C, publishing
/// <c>available = stopped</c>.</summary>
public sealed class EdgeDaemon(
    EdgeConfig config,
    SegmentationSession session,
    CameraCalibration? calibration,
    ResolvedReference domainReference,
    RunOutcome outcome,
    SystemdNotifier notifier,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : BackgroundService
{
    /// <summary>How long start-up waits for the broker before processing frames regardless.</summary>
    private static readonly TimeSpan BrokerGrace = TimeSpan.FromSeconds(3);

    private readonly ILogger _log = loggers.CreateLogger("mfuser-edge");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            _log.LogError(e, "daemon failed");
            outcome.ExitCode = ExitCodes.Unexpected;
            outcome.Error = e.Message;
            lifetime.StopApplication();
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        await using var broker = config.Broker.Endpoint.Embedded ? await EmbeddedBroker.StartAsync(config.Broker.Endpoint.Port) : null;
        if (broker is not null)
            _log.LogInformation("embedded MQTT broker listening on {Uri}", broker.Uri);
        using var spool = config.Spool.Directory.Length > 0
            ? new DiskSpool(new DiskSpoolOptions { Directory = config.Spool.Directory, MaxBytes = config.Spool.MaxBytes }, loggers.CreateLogger<DiskSpool>())
            : null;
        if (spool is { Count: > 0 })
            _log.LogInformation("must-deliver spool {Dir}: {Count} messages from an earlier run to deliver", config.Spool.Directory, spool.Count);
        await using var link = new MqttLink(LinkOptions(spool), loggers.CreateLogger<MqttLink>());
        var analyzer = new DrivableAnalyzer(session.Package.Manifest.Classes, session.Width, session.Height,
            new DrivableAnalyzerOptions { FreeSpaceBins = config.FreeSpaceBins }, calibration);
        link.SetRetained(link.Topics.Info, Info(started, analyzer).ToUtf8Json());
        await using var field = FieldOperations.Create(config, session, link, spool, domainReference, loggers);
        link.Start();
        field.Start();
        // Give the broker a moment so the first frames are not dropped; a broker that is down does not hold up the start.
        if (!await link.WaitConnectedAsync(BrokerGrace, stoppingToken))
            _log.LogWarning("MQTT broker {Broker} not reachable yet; processing frames anyway and reconnecting in the background", config.Broker.Endpoint);

        using var slot = new FrameSlot();
        using var capture = new CaptureWorker(config.Source, () => FrameSources.Create(config.Source.Uri, config.Source.StreamBackend), slot, _log);
        using var loop = new InferenceLoop(slot, session, analyzer, link, config, field, _log);
        using var petter = new WatchdogPetter(notifier, field.Watchdog);
        capture.Start();
        notifier.Ready($"capturing from {config.Source.Uri}; model {session.Package.Manifest.Name} on {session.Provider}");
        petter.Start();
        if (config.Source.StartupTimeout > TimeSpan.Zero
            && await Task.WhenAny(capture.FirstFrame, Task.Delay(config.Source.StartupTimeout, stoppingToken)) != capture.FirstFrame)
        {
            if (!stoppingToken.IsCancellationRequested)
            {
                outcome.ExitCode = ExitCodes.SourceUnavailable;
                outcome.Error = $"source {config.Source.Uri} delivered no frame within {config.Source.StartupTimeout.TotalSeconds:F0} s (source.startup_timeout_s): {capture.LastError ?? "no error reported"}";
            }
            notifier.Stopping("no frame from the source");
            capture.Stop();
            await link.StopAsync(CancellationToken.None);
            lifetime.StopApplication();
            return;
        }

        _log.LogInformation("running: source {Source}, model {Model} {Version} on {Provider}, broker {Broker}, base topic {Base}",
            config.Source.Uri, session.Package.Manifest.Name, session.Package.Manifest.Version, session.Provider, config.Broker.Endpoint, link.Topics.Base);
        var inference = Task.Factory.StartNew(() => loop.Run(stoppingToken), TaskCreationOptions.LongRunning);
        var statusLine = StatusLine.Enabled(config.StatusLine);
        var nextStats = config.Publish.StatsInterval;
        long lastProcessed = 0;
        var lastStatsAt = clock.Elapsed;
        long lastLineProcessed = 0;
        var lastLineAt = clock.Elapsed;
        // A periodic timer, not Task.Delay + WhenAny: its ticks allocate nothing; the loop's end stops it at once.
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        _ = inference.ContinueWith(_ => tick.Dispose(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        while (await tick.WaitForNextTickAsync(CancellationToken.None) && !inference.IsCompleted)
        {
            var now = clock.Elapsed;
            if (field.Watchdog.SourceAvailable != capture.Connected)
                field.Watchdog.SourceAvailable = capture.Connected;
            if (now >= nextStats)
            {
                var processed = loop.Processed;
                var fps = (processed - lastProcessed) / (now - lastStatsAt).TotalSeconds;
                (lastProcessed, lastStatsAt) = (processed, now);
                link.TryPublish(link.Topics.Stats, StatsJson(Stats(clock.Elapsed, fps, capture, slot, loop, link, wholeRun: false), field, petter));
                nextStats = now + config.Publish.StatsInterval;
            }
            if (statusLine && now - lastLineAt >= TimeSpan.FromSeconds(1))
            {
                var fps = (loop.Processed - lastLineProcessed) / (now - lastLineAt).TotalSeconds;
                (lastLineProcessed, lastLineAt) = (loop.Processed, now);
                var p50 = loop.Latencies.Summarise(wholeRun: true).GetValueOrDefault("capture_to_publish")?.P50 ?? double.NaN;
                StatusLine.Draw($"{fps,5:F1} fps | latency p50 {p50:F1} ms | drivable {loop.LastDrivableFraction:P0} | {session.Provider} | broker {(link.IsConnected ? "connected" : "DISCONNECTED")} | frames {loop.Processed} dropped {slot.Dropped}{(field.Shift?.Monitor.InEpisode == true ? " | DOMAIN SHIFT" : "")}");
            }
        }
        var budgetReached = await inference;
        notifier.Stopping(budgetReached ? "run.max_frames reached" : "stopping");
        if (statusLine)
            StatusLine.End();
        capture.Stop();

        var elapsed = clock.Elapsed;
        var summary = Stats(elapsed, loop.Processed / Math.Max(1e-9, elapsed.TotalSeconds), capture, slot, loop, link, wholeRun: true);
        _log.LogInformation("run summary: {Processed} frames processed, {Captured} captured, {Dropped} dropped, {Rejected} rejected (not 8-bit BGR), {Fps:F1} fps; latency ms {Latency}",
            summary.FramesProcessed, summary.FramesCaptured, summary.FramesDropped, loop.Rejected, summary.Fps,
            string.Join("; ", summary.LatencyMs.Select(kv => $"{kv.Key} p50 {kv.Value.P50:F2} p90 {kv.Value.P90:F2} p99 {kv.Value.P99:F2} max {kv.Value.Max:F2}")));
        if (field.EndOpenEpisode() is { } ended)
            _log.LogInformation("domain shift episode {Id} end: the daemon stops with it open (end_reason shutdown, after {Duration:F1} s)",
                ended.EpisodeId, ended.Duration.TotalSeconds);
        if (field.Shift is { } shift)
            _log.LogInformation("domain shift: {Events} episode events ({Stored} handed to the must-deliver store, {Refused} refused); {State}",
                shift.Events, field.Episodes!.Stored, field.Episodes.Refused, shift.Monitor.InEpisode ? $"episode {shift.Monitor.EpisodeId} still open" : "no episode open");
        await field.DisposeAsync();
        await DrainAsync(link, TimeSpan.FromSeconds(3));
        await link.StopAsync(CancellationToken.None);
        if (budgetReached)
        {
            _log.LogInformation("processed run.max_frames = {Max} frames; stopping", config.MaxFrames);
            lifetime.StopApplication();
        }
    }

    /// <summary>Lets the best-effort queue and the must-deliver store empty before a clean stop, so the last frames
    /// and episode events of a bounded run reach the broker (what is left in a disk spool goes out after a restart).</summary>
    private static async Task DrainAsync(MqttLink link, TimeSpan timeout)
    {
        var until = Stopwatch.GetTimestamp() + (long)(timeout.TotalSeconds * Stopwatch.Frequency);
        while (link.IsConnected && link.Counters is { } c && (c.QueueDepth > 0 || c.MustDeliverPending > 0) && Stopwatch.GetTimestamp() < until)
            await Task.Delay(20);
    }

    /// <summary>The <c>stats</c> payload with the field operations' counters and the watchdog's.</summary>
    private static byte[] StatsJson(StatsPayload stats, FieldOperations field, WatchdogPetter petter)
    {
        var json = (System.Text.Json.Nodes.JsonObject)System.Text.Json.JsonSerializer.SerializeToNode(stats, PayloadJsonContext.Default.StatsPayload)!;
        foreach (var (key, value) in field.Stats().ToList())
            json[key] = value?.DeepClone();
        json["watchdog"] = new System.Text.Json.Nodes.JsonObject { ["interval_s"] = petter.Interval.TotalSeconds, ["pets"] = petter.Pets, ["stalls"] = petter.Stalls };
        return System.Text.Encoding.UTF8.GetBytes(json.ToJsonString());
    }

    private MqttLinkOptions LinkOptions(IMustDeliverStore? store) => new()
    {
        MustDeliverStore = store,
        Host = config.Broker.Endpoint.Host,
        Port = config.Broker.Endpoint.Port,
        UseTls = config.Broker.Endpoint.Tls,
        CaFile = config.Broker.CaFile,
        ClientCertFile = config.Broker.ClientCert,
        ClientKeyFile = config.Broker.ClientKey,
        Username = config.Broker.Username,
        Password = config.Broker.Password,
        DeviceId = config.DeviceId,
        TopicPrefix = config.Broker.TopicPrefix,
    };

    private InfoPayload Info(DateTimeOffset started, DrivableAnalyzer analyzer)
    {
        var m = session.Package.Manifest;
        return new InfoPayload(
            config.DeviceId,
            InfoCommand.SoftwareVersion,
            started,
            new ModelInfo(m.Name, m.Version, m.Sha256),
            m.Classes.Select(ClassEntry.From).ToArray(),
            new ImageSize(session.Width, session.Height),
            // Measured from the warm-up's profiling trace (SegmentationSession.Placement); empty when it was not measured.
            new ExecutionInfo(session.Provider, config.Inference.Providers, session.Placement?.NodeCounts ?? new Dictionary<string, int>()),
            calibration is null
                ? new CalibrationInfo(false, null, null, null, null)
                : new CalibrationInfo(true, config.CalibrationFile, calibration.MountHeightM, calibration.PitchRad * 180 / Math.PI, calibration.RollRad * 180 / Math.PI),
            FreeSpaceLayout.From(analyzer.Summary.FreeSpace));
    }

    private static StatsPayload Stats(TimeSpan uptime, double fps, CaptureWorker capture, FrameSlot slot, InferenceLoop loop, MqttLink link, bool wholeRun)
    {
        return new StatsPayload(DateTimeOffset.UtcNow, Math.Round(uptime.TotalSeconds, 3), Math.Round(fps, 2), capture.Captured, loop.Processed,
            slot.Dropped, loop.Latencies.Summarise(wholeRun), link.Counters.ToPayload(),
            new MemoryStats(Math.Round(ResidentSet.Bytes() / 1048576.0, 1), Math.Round(GC.GetTotalMemory(false) / 1048576.0, 1)));
    }
}
