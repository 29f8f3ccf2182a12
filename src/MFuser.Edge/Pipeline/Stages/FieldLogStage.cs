using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.FieldLog.Recording;
using MFuser.Edge.Messaging;
using MFuser.ModelPackage.Classes;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>
/// The MCAP field log (docs/field-logging.md): every frame's drivable summary (and, with a calibration, its free space
/// as a LaserScan), new GPS fixes, the camera JPEG, colour overlay JPEG and label PNG at <c>field_log.image_hz</c>, the
/// camera mount from the calibration at the start of every file, and (as the domain-shift stage's
/// <see cref="IEpisodeRecorder"/>) the shift signals and episode events. The recorder only queues; its own task writes
/// the disk. Also answers the MQTT <c>snapshot</c> and <c>mark_event</c> commands and follows the <c>recording</c> setting.
/// </summary>
public sealed class FieldLogStage : IFrameStage, IEpisodeRecorder, IRuntimeSettingsListener
{
    private readonly FieldLogRecorder _recorder;
    private readonly RuntimeSettings _settings;
    private readonly RateGate _images;
    private readonly ILogger _log;
    private readonly RateGate _snapshotWarnings = new(1);
    private GeoFix? _lastRecordedFix;
    private long _snapshotsNotWritten;

    /// <param name="classes">The model's class table, written into every file so tools colour the label maps as the
    /// model means them.</param>
    /// <param name="calibration">The camera calibration (<c>analysis.calibration</c>); null: no mount transform.</param>
    public FieldLogStage(FieldLogConfig config, IReadOnlyList<ClassInfo> classes, RuntimeSettings settings, ILoggerFactory loggers, CameraCalibration? calibration = null)
    {
        var maxFile = Math.Min(256L << 20, config.QuotaBytes / 2);
        _recorder = new FieldLogRecorder(new FieldLogOptions
        {
            Directory = config.Directory,
            QuotaBytes = config.QuotaBytes,
            MinFreeBytes = config.MinFreeBytes,
            MaxFileBytes = maxFile,
            ChunkSize = (int)Math.Min(1L << 20, maxFile / 4),
            PreTrigger = config.PreTrigger,
            PostTrigger = config.PostTrigger,
            Classes = classes,
        }, loggers.CreateLogger<FieldLogRecorder>());
        _settings = settings;
        _images = new RateGate(config.ImageHz);
        _log = loggers.CreateLogger("mfuser-edge");
        if (calibration is not null)
            _recorder.Mount(calibration);
    }

    public string Name => "field_log";

    /// <summary>Snapshot and event-mark commands whose snapshot was not written (empty ring, full share, disk error).</summary>
    internal long SnapshotsNotWritten => Interlocked.Read(ref _snapshotsNotWritten);

    public void Start() => _recorder.Start();

    public void Process(FrameContext frame)
    {
        _recorder.Json(FieldLogChannel.Drivable, frame.Stamp, frame.DrivableJson.Span);
        if (frame.Summary.FreeSpace.HasGeometry)
            _recorder.Scan(frame.Stamp, frame.Summary.FreeSpace);
        if (frame.Fix is { } fix && !ReferenceEquals(fix, _lastRecordedFix))
        {
            _recorder.Fix(fix);
            _lastRecordedFix = fix;
        }
        if (_images.TryEnter())
        {
            _recorder.Frame(frame.Stamp, frame.CameraJpeg());
            _recorder.Labels(frame.Stamp, frame.LabelsPng());
            _recorder.Overlay(frame.Stamp, frame.OverlayJpeg());
        }
    }

    public void Episode(EpisodeEvent e, byte[] json) => _recorder.Episode(e, json);

    public void Signals(in FrameStamp frame, ReadOnlySpan<byte> json) => _recorder.Json(FieldLogChannel.ShiftSignals, frame, json);

    public void SettingChanged(string name)
    {
        if (name == RuntimeSettings.RecordingName)
            _recorder.SetRecording(_settings.Recording);
    }

    /// <summary>The MQTT commands this stage answers: <c>snapshot</c> and <c>mark_event</c> write the pre-trigger ring
    /// to a file; the reply does not wait for the disk.</summary>
    public IReadOnlyDictionary<string, CommandHandler> Commands() => new Dictionary<string, CommandHandler>
    {
        ["snapshot"] = request =>
        {
            var reason = request.Arguments.GetValueOrDefault("reason") ?? "";
            Watch(_recorder.Snapshot(reason.Length > 0 ? reason : "command"), $"snapshot ({(reason.Length > 0 ? reason : "no reason given")})");
            return CommandOutcome.Success(new Dictionary<string, string> { ["queued"] = "true" });
        },
        ["mark_event"] = request =>
        {
            var label = request.Arguments["label"];
            var note = request.Arguments.GetValueOrDefault("note") ?? "";
            Watch(_recorder.Snapshot("mark-" + label), $"event mark '{label}' ({(note.Length > 0 ? note : "no note")})");
            return CommandOutcome.Success(new Dictionary<string, string> { ["queued"] = "true", ["label"] = label });
        },
    };

    /// <summary>Logs where a snapshot went once the recorder has written it; a snapshot not written is logged at most
    /// once a second (a command flood must not flood the log), with the count so far.</summary>
    private void Watch(Task<FieldLogFile?> snapshot, string what) =>
        snapshot.ContinueWith(t =>
        {
            if (t.IsCompletedSuccessfully && t.Result is { } file)
            {
                _log.LogInformation("{What}: pre-trigger ring written to {File} ({Bytes} bytes)", what, file.Path, file.Bytes);
                return;
            }
            var notWritten = Interlocked.Increment(ref _snapshotsNotWritten);
            bool warn;
            lock (_snapshotWarnings)
                warn = _snapshotWarnings.TryEnter();
            if (warn)
                _log.LogWarning("{What}: nothing written (the pre-trigger ring was empty, the snapshot share of the quota was full, " +
                                "or the disk failed: {Error}); {NotWritten} snapshots not written so far", what, _recorder.LastError ?? "no error",
                    notWritten);
        }, TaskScheduler.Default);

    public StatsPayload AddStats(StatsPayload stats)
    {
        var c = _recorder.Counters;
        return stats with
        {
            FieldLog = new FieldLogStats(c.Recording, c.Enqueued, c.DroppedQueueFull, c.MessagesWritten, c.FilesWritten, c.FilesDeletedForQuota,
                c.QuotaStops, c.WriteErrors, c.SnapshotsRefused, c.DiskBytes),
        };
    }

    /// <summary>Writes what is queued and closes the open file.</summary>
    public ValueTask DisposeAsync() => _recorder.DisposeAsync();
}
