using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Cli;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;
using MFuser.Edge.Pipeline.Stages;
using MFuser.Edge.Startup;
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

/// <summary>
/// The daemon (docs/architecture.md): the broker link, the inputs and the frame stages the configuration turns on,
/// capture → inference thread → stage thread, the <c>stats</c> timer, the web console's HTTP host
/// (<c>web.enabled</c>); READY=1 once capture starts (after warm-up), the watchdog while frames flow, STOPPING=1; a
/// clean stop after <c>run.max_frames</c> or on SIGTERM/Ctrl-C that ends the stages, drains the link and publishes
/// <c>available = stopped</c>.
/// </summary>
public sealed class EdgeDaemon(
    EdgeConfig config,
    ModelStack model,
    ResolvedReference domainReference,
    RunOutcome outcome,
    SystemdNotifier notifier,
    IHostApplicationLifetime lifetime,
    ILoggerFactory loggers) : BackgroundService
{
    /// <summary>How long start-up waits for the broker before processing frames regardless.</summary>
    private static readonly TimeSpan BrokerGrace = TimeSpan.FromSeconds(3);
    /// <summary>How often glibc's free arena memory is handed back (<see cref="NativeHeapTrimmer"/>).</summary>
    private static readonly TimeSpan HeapTrimInterval = TimeSpan.FromSeconds(30);

    private readonly ILogger _log = loggers.CreateLogger("mfuser-edge");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        try
        {
            await RunAsync(stoppingToken);
        }
        catch (ConfigException e)
        {
            outcome.ExitCode = ExitCodes.Configuration;
            outcome.Error = e.Message;
            lifetime.StopApplication();
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
        var session = model.Session;
        await using var broker = config.Broker.Endpoint.Embedded ? await StartEmbeddedBrokerAsync() : null;
        if (broker is not null)
            _log.LogInformation("embedded MQTT broker listening on {Uri}", broker.Uri);
        using var spool = OpenSpool();
        await using var link = new MqttLink(LinkOptions(spool), loggers.CreateLogger<MqttLink>());
        var info = Info.Payload(config, model, started).ToUtf8Json();
        link.SetRetained(link.Topics.Info, info);
        CloseLeftOverEpisode(link);

        var settings = new RuntimeSettings(config.Publish.SegmentationHz, config.Publish.OverlayHz, recording: false);
        using var gps = GpsInput.Create(config.Serial, loggers);
        var watchdog = new FrameWatchdog(config.WatchdogStall);
        using var petter = new WatchdogPetter(notifier, watchdog);
        await using var stages = StageFactory.Build(new StageInputs(config, session.Width, session.Height, model.Package.Manifest.Classes,
            link, domainReference, settings, gps is null ? NoFix : gps.FreshFix, watchdog, petter, loggers));
        var console = stages.All.OfType<ConsoleStage>().FirstOrDefault();
        console?.Feed.PublishInfo(info);
        await using var web = console is null ? null : await console.StartHostAsync(loggers, stoppingToken);
        var control = ControlSurface.Attach(config.ControlEnabled, link, settings, stages.Commands, config.CommandsPerMinute, loggers);
        link.Start();
        gps?.Start();
        stages.Start();
        _log.LogInformation("stages: {Stages}; {Description}; GPS {Gps}; MQTT control {Control}", string.Join(" -> ", stages.All.Select(s => s.Name)),
            stages.Description, gps is null ? "off" : "on", control is null ? "off" : "on");
        // Give the broker a moment so the first frames are not dropped; a broker that is down does not hold up the start.
        if (!await link.WaitConnectedAsync(BrokerGrace, stoppingToken))
            _log.LogWarning("MQTT broker {Broker} not reachable yet; processing frames anyway and reconnecting in the background", config.Broker.Endpoint);

        using var slot = new FrameSlot();
        using var capture = new CaptureWorker(config.Source, () => FrameSources.Create(config.Source), slot, _log);
        using var handoff = new FrameHandoff(session);
        using var images = new FrameImages(session.Width, session.Height, model.Package.Manifest.Classes, config.Publish.OverlayQuality,
            config.FieldLog.JpegQuality);
        var inference = new InferenceLoop(slot, session, handoff, config.MaxFrames);
        var runner = new StageRunner(handoff, model.Analyzer, images, new DrivablePayloadWriter(withGps: gps is not null),
            gps is null ? NoFix : gps.FreshFix, stages.All, _log);
        IStatsSource?[] parts = [.. stages.All, gps, control, spool is null ? null : new SpoolStatsSource(spool)];
        var reporter = new StatsReporter(capture, slot, handoff, runner, link, parts.OfType<IStatsSource>().ToList());
        using var metrics = new DaemonMetrics(reporter, session.Provider);
        using var trimmer = NativeHeapTrimmer.Start(HeapTrimInterval);

        capture.Start();
        notifier.Ready($"capturing from {config.Source.Uri}; model {model.Package.Manifest.Name} on {session.Provider}");
        petter.Start();
        if (!await FirstFrameAsync(capture, link, stoppingToken))
            return;
        _log.LogInformation("running: source {Source}, model {Model} {Version} on {Provider}, broker {Broker}, base topic {Base}",
            config.Source.Uri, model.Package.Manifest.Name, model.Package.Manifest.Version, session.Provider, config.Broker.Endpoint, link.Topics.Base);
        var inferenceThread = Task.Factory.StartNew(() => inference.Run(stoppingToken), TaskCreationOptions.LongRunning);
        var stageThread = Task.Factory.StartNew(runner.Run, TaskCreationOptions.LongRunning);
        var clock = Stopwatch.StartNew();
        await new Supervisor(config, capture, slot, runner, link, reporter, watchdog, stages, session.Provider).RunAsync(stageThread, clock);
        var budgetReached = await inferenceThread;
        await stageThread;
        notifier.Stopping(budgetReached ? "run.max_frames reached" : "stopping");
        capture.Stop();

        var summary = reporter.Take(clock.Elapsed, runner.Processed / Math.Max(1e-9, clock.Elapsed.TotalSeconds), wholeRun: true);
        _log.LogInformation("run summary: {Processed} frames processed, {Captured} captured, {Dropped} dropped, {Skipped} skipped by the stages, " +
                            "{Rejected} rejected (not 8-bit BGR), {Fps:F1} fps; latency ms {Latency}",
            summary.FramesProcessed, summary.FramesCaptured, summary.FramesDropped, summary.FramesSkipped, inference.Rejected, summary.Fps,
            string.Join("; ", summary.LatencyMs.Select(kv => $"{kv.Key} p50 {kv.Value.P50:F2} p90 {kv.Value.P90:F2} p99 {kv.Value.P99:F2} max {kv.Value.Max:F2}")));
        await stages.DisposeAsync();
        // shutdown.drain_s: queued must-deliver messages (episode ends, command results) go out, then available = stopped
        // and a clean disconnect (no Last Will); what is left stays in the spool or is logged as lost.
        await link.DrainAsync(config.ShutdownDrain, CancellationToken.None);
        if (budgetReached)
        {
            _log.LogInformation("processed run.max_frames = {Max} frames; stopping", config.MaxFrames);
            lifetime.StopApplication();
        }
    }

    private static readonly Func<Core.Geo.GeoFix?> NoFix = () => null;

    /// <summary>An episode that an earlier run left open (a crash: no <c>end</c> event was made) is ended now, with
    /// <c>end_reason: "restart"</c>, through the must-deliver store.</summary>
    private void CloseLeftOverEpisode(MqttLink link)
    {
        if (StageFactory.OpenEpisodes(config) is not { } file)
            return;
        try
        {
            if (file.EndLeftOver() is not { } end)
                return;
            if (!link.EnqueueMustDeliver(link.Topics.DomainShift, end))
            {
                _log.LogError("the end event of the episode left open in {Path} was refused by the must-deliver store (full)", file.Path);
                return;
            }
            file.Clear();
            _log.LogInformation("domain shift episode left open by an earlier run (it did not stop cleanly) ended now: end_reason restart");
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            _log.LogWarning("ignoring the open-episode record of an earlier run: {Error}", e.Message);
            file.Clear();
        }
    }

    private DiskSpool? OpenSpool()
    {
        if (config.Spool.Directory.Length == 0)
            return null;
        var spool = new DiskSpool(new DiskSpoolOptions { Directory = config.Spool.Directory, MaxBytes = config.Spool.MaxBytes },
            loggers.CreateLogger<DiskSpool>());
        if (spool.Count > 0)
            _log.LogInformation("must-deliver spool {Dir}: {Count} messages from an earlier run to deliver", config.Spool.Directory, spool.Count);
        return spool;
    }

    /// <summary>Waits for the source's first frame up to <c>source.startup_timeout_s</c>; on a timeout sets exit code 4
    /// and stops. False when the run must end.</summary>
    private async Task<bool> FirstFrameAsync(CaptureWorker capture, MqttLink link, CancellationToken stoppingToken)
    {
        if (config.Source.StartupTimeout <= TimeSpan.Zero
            || await Task.WhenAny(capture.FirstFrame, Task.Delay(config.Source.StartupTimeout, stoppingToken)) == capture.FirstFrame)
            return true;
        if (!stoppingToken.IsCancellationRequested)
        {
            outcome.ExitCode = ExitCodes.SourceUnavailable;
            outcome.Error = $"source {config.Source.Uri} delivered no frame within {config.Source.StartupTimeout.TotalSeconds:F0} s " +
                            $"(source.startup_timeout_s): {capture.LastError ?? "no error reported"}";
        }
        notifier.Stopping("no frame from the source");
        capture.Stop();
        await link.StopAsync(CancellationToken.None);
        lifetime.StopApplication();
        return false;
    }

    /// <summary>The in-process broker; a port another program holds is a configuration error (exit 2), not a crash.</summary>
    private async Task<EmbeddedBroker> StartEmbeddedBrokerAsync()
    {
        try
        {
            return await EmbeddedBroker.StartAsync(config.Broker.Endpoint.Port);
        }
        catch (InvalidOperationException e)
        {
            throw new ConfigException([new ConfigProblem(config.OriginOf("broker.embedded_port"), "broker.embedded_port",
                config.Broker.Endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), e.Message)]);
        }
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
        KeepAlive = config.Broker.KeepAlive,
        MaxPacketBytes = config.Broker.MaxPacketBytes,
    };
}
