using System.Text.Json.Nodes;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Inference;
using MFuser.Edge.Messaging;
using MFuser.Edge.Messaging.Spool;
using MFuser.Edge.Serial.Gps;
using MFuser.Edge.Serial.Mcu;
using MFuser.Edge.Serial.Ports;
using MFuser.Edge.Systemd;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.FieldOps;

/// <summary>
/// The field-operation parts the configuration turns on, around the inference loop: runtime settings and the MQTT
/// control surface (<c>control.enabled</c>), the GPS reader and MCU link (<c>serial.*</c>), the domain-shift stage and
/// its must-deliver episode publisher (<c>domain_shift.*</c>), the MCAP field-log recorder (<c>field_log.*</c>) and
/// the frame-gated systemd watchdog (<c>watchdog.stall_s</c>). Parts that are off are null. Everything the hot loop
/// calls here returns at once (queues, volatile reads); disk and serial I/O run on the parts' own threads.
/// </summary>
public sealed class FieldOperations : IAsyncDisposable
{
    private readonly ILogger _log;
    private readonly MqttLink _link;
    private readonly DiskSpool? _spool;
    private readonly string _referenceOrigin;
    private int _disposed;

    private FieldOperations(EdgeConfig config, SegmentationSession session, MqttLink link, DiskSpool? spool, ResolvedReference reference,
        ILoggerFactory loggers)
    {
        _log = loggers.CreateLogger("mfuser-edge");
        _link = link;
        _spool = spool;
        MaxFixAge = config.Serial.MaxFixAge;
        Settings = new RuntimeSettings(config.Publish.SegmentationHz, config.Publish.OverlayHz, recording: false);
        Watchdog = new FrameWatchdog(config.WatchdogStall);
        if (config.Serial.GpsPort.Length > 0)
            Gps = new GpsReader(new SerialLinkOptions { Path = config.Serial.GpsPort, BaudRate = config.Serial.GpsBaud }, loggers.CreateLogger<GpsReader>());
        if (config.Serial.McuPort.Length > 0)
            Mcu = new McuLink(new SerialLinkOptions { Path = config.Serial.McuPort, BaudRate = config.Serial.McuBaud }, logger: loggers.CreateLogger<McuLink>());
        if (config.FieldLog.Directory.Length > 0)
        {
            var maxFile = Math.Min(256L << 20, config.FieldLog.QuotaBytes / 2);
            Recorder = new FieldLogRecorder(new FieldLogOptions
            {
                Directory = config.FieldLog.Directory,
                QuotaBytes = config.FieldLog.QuotaBytes,
                MinFreeBytes = config.FieldLog.MinFreeBytes,
                MaxFileBytes = maxFile,
                ChunkSize = (int)Math.Min(1L << 20, maxFile / 4),
                PreTrigger = config.FieldLog.PreTrigger,
                PostTrigger = config.FieldLog.PostTrigger,
            }, loggers.CreateLogger<FieldLogRecorder>());
            Settings.Changed += name =>
            {
                if (name == RuntimeSettings.RecordingName)
                    Recorder.SetRecording(Settings.Recording);
            };
        }
        if (config.DomainShift.Enabled)
        {
            _referenceOrigin = reference.Origin;
            Shift = new DomainShiftStage(config.DomainShift.Options, reference.Reference, session.Width, session.Height);
            Episodes = new EpisodePublisher(link, _log);
        }
        else
            _referenceOrigin = "off";
        if (config.ControlEnabled)
        {
            Control = new ControlRouter(Settings, CommandHandlers());
            new MqttControl(link, Control, loggers.CreateLogger<MqttControl>()).Attach();
        }
    }

    public RuntimeSettings Settings { get; }
    public FrameWatchdog Watchdog { get; }
    public GpsReader? Gps { get; }
    public McuLink? Mcu { get; }
    public FieldLogRecorder? Recorder { get; }
    public DomainShiftStage? Shift { get; }
    public EpisodePublisher? Episodes { get; }
    public ControlRouter? Control { get; }

    /// <summary>A GPS fix older than this does not geotag a frame.</summary>
    public TimeSpan MaxFixAge { get; }

    /// <summary>Builds the parts the configuration asks for. Call before <see cref="MqttLink.Start"/> (the control
    /// surface subscribes here).</summary>
    /// <param name="reference">The domain reference chosen at start-up (<see cref="DomainReferences.Resolve"/>).</param>
    /// <exception cref="ConfigException">A part's options are unusable.</exception>
    public static FieldOperations Create(EdgeConfig config, SegmentationSession session, MqttLink link, DiskSpool? spool,
        ResolvedReference reference, ILoggerFactory loggers)
    {
        try
        {
            return new FieldOperations(config, session, link, spool, reference, loggers);
        }
        catch (ArgumentException e)
        {
            throw new ConfigException([new ConfigProblem("configuration", e.ParamName ?? "field operations", null, e.Message)]);
        }
    }

    /// <summary>The latest fix if it is fresh enough to geotag this frame; null without one (or without a GPS).</summary>
    public GeoFix? FreshFix() => Gps?.Latest.FreshOrNull(MaxFixAge);

    /// <summary>Starts the serial threads and the recorder's writer; logs what is on.</summary>
    public void Start()
    {
        Gps?.Start();
        Mcu?.Start();
        Recorder?.Start();
        _log.LogInformation("field operations: domain shift {Shift} (reference: {Reference}); field log {FieldLog}; GPS {Gps}; MCU {Mcu}; MQTT control {Control}",
            Shift is null ? "off" : "on", _referenceOrigin, Recorder is null ? "off" : "on", Gps is null ? "off" : "on",
            Mcu is null ? "off" : "on", Control is null ? "off" : "on");
    }

    /// <summary>Counters of every part that is on, for <c>&lt;base&gt;/stats</c>.</summary>
    public JsonObject Stats()
    {
        var o = new JsonObject();
        if (Gps is { } gps)
        {
            var latest = gps.Latest;
            o["gps"] = new JsonObject
            {
                ["open"] = gps.IsOpen, ["opens"] = gps.Opens, ["io_errors"] = gps.IoErrors, ["fixes"] = gps.Fixes,
                ["no_fix_sentences"] = gps.NoFixSentences, ["rejected_lines"] = gps.Counters.Rejected,
                ["rejected_by_reason"] = new JsonObject(gps.Counters.Snapshot().Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
                ["fix_age_s"] = latest.Fix is null ? null : Math.Round(latest.Age.TotalSeconds, 3),
            };
        }
        if (Mcu is { } mcu)
        {
            var c = mcu.Counters;
            o["mcu"] = new JsonObject
            {
                ["port_up"] = c.PortUp, ["sent"] = c.Sent, ["bytes"] = c.Bytes, ["dropped_full"] = c.DroppedFull,
                ["dropped_port_down"] = c.DroppedPortDown, ["discarded_stale"] = c.DiscardedStale, ["io_errors"] = c.IoErrors, ["opens"] = c.Opens,
            };
        }
        if (Control is { } control)
            o["control"] = new JsonObject { ["accepted"] = control.Counters.Accepted, ["rejected"] = control.Counters.Rejected, ["failed"] = control.Counters.Failed };
        if (Shift is { } shift)
            o["domain_shift"] = new JsonObject
            {
                ["in_episode"] = shift.Monitor.InEpisode, ["episode_id"] = shift.Monitor.EpisodeId,
                ["score"] = double.IsFinite(shift.Monitor.Score) ? Math.Round(shift.Monitor.Score, 3) : null,
                ["events"] = shift.Events, ["events_stored"] = Episodes!.Stored, ["events_refused"] = Episodes.Refused,
            };
        if (Recorder is { } recorder)
        {
            var c = recorder.Counters;
            o["field_log"] = new JsonObject
            {
                ["recording"] = c.Recording, ["enqueued"] = c.Enqueued, ["dropped_queue_full"] = c.DroppedQueueFull,
                ["messages_written"] = c.MessagesWritten, ["files_written"] = c.FilesWritten,
                ["files_deleted_for_quota"] = c.FilesDeletedForQuota, ["quota_stops"] = c.QuotaStops, ["write_errors"] = c.WriteErrors,
            };
        }
        if (_spool is { } spool)
            o["spool"] = new JsonObject { ["pending"] = spool.Count, ["bytes"] = spool.Bytes, ["refused"] = spool.Refused, ["torn_records"] = spool.TornRecords, ["recovered"] = spool.Recovered };
        return o;
    }

    private Dictionary<string, CommandHandler> CommandHandlers()
    {
        var handlers = new Dictionary<string, CommandHandler>();
        if (Recorder is not { } recorder)
            return handlers; // without a field log the router answers "not available on this device"
        handlers["snapshot"] = request =>
        {
            var reason = request.Arguments.GetValueOrDefault("reason") ?? "";
            Watch(recorder.Snapshot(reason.Length > 0 ? reason : "command"), $"snapshot ({(reason.Length > 0 ? reason : "no reason given")})");
            return CommandOutcome.Success(new Dictionary<string, string> { ["queued"] = "true" });
        };
        handlers["mark_event"] = request =>
        {
            var label = request.Arguments["label"];
            var note = request.Arguments.GetValueOrDefault("note") ?? "";
            Watch(recorder.Snapshot("mark-" + label), $"event mark '{label}' ({(note.Length > 0 ? note : "no note")})");
            return CommandOutcome.Success(new Dictionary<string, string> { ["queued"] = "true", ["label"] = label });
        };
        return handlers;
    }

    /// <summary>Logs where a snapshot went once the recorder has written it (the command's reply does not wait).</summary>
    private void Watch(Task<FieldLogFile?> snapshot, string what) =>
        snapshot.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result is { } file)
                _log.LogInformation("{What}: pre-trigger ring written to {File} ({Bytes} bytes)", what, file.Path, file.Bytes);
            else
                _log.LogWarning("{What}: nothing written (the pre-trigger ring was empty or the disk failed: {Error})", what, Recorder?.LastError ?? "no error");
        }, TaskScheduler.Default);

    /// <summary>At shutdown: an episode still open gets its <c>end</c> event (<c>end_reason: "shutdown"</c>), published
    /// through the must-deliver path and written to the field log like any other; null when none was open.</summary>
    public EpisodeEvent? EndOpenEpisode()
    {
        if (Shift?.EndOpenEpisode(DateTimeOffset.UtcNow) is not { } e)
            return null;
        var json = EpisodeEventJson.Serialize(e, FreshFix());
        Episodes!.Publish(json);
        Recorder?.Episode(e, json);
        return e;
    }

    /// <summary>Stores queued episode events, finishes the field log, closes the serial ports.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
            return;
        if (Episodes is not null)
            await Episodes.DisposeAsync();
        if (Recorder is not null)
            await Recorder.DisposeAsync();
        Gps?.Dispose();
        Mcu?.Dispose();
    }
}
