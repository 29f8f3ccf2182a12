using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Messaging;
using MFuser.Edge.Serial.Mcu;
using MFuser.Edge.Serial.Ports;
using MFuser.Edge.Startup;
using MFuser.Edge.Systemd;
using MFuser.ModelPackage.Classes;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline.Stages;

/// <summary>What the stages are built from.</summary>
public sealed record StageInputs(
    EdgeConfig Config,
    int Width,
    int Height,
    IReadOnlyList<ClassInfo> Classes,
    MqttLink Link,
    ResolvedReference Reference,
    RuntimeSettings Settings,
    Func<GeoFix?> FreshFix,
    FrameWatchdog Watchdog,
    WatchdogPetter Petter,
    ILoggerFactory Loggers);

/// <summary>
/// Builds the ordered list of frame stages the configuration asks for (docs/architecture.md): publish, domain shift
/// (<c>domain_shift.enabled</c>), field log (<c>field_log.dir</c>), MCU (<c>serial.mcu.port</c>), watchdog (always: a frame
/// counts as processed once every stage before it had it), then the web console (<c>web.enabled</c>), which only
/// watches. Stages that are off are not built. Runtime-setting changes are wired to the stages that follow them here,
/// in one place.
/// </summary>
public static class StageFactory
{
    /// <exception cref="ConfigException">A stage's options are unusable.</exception>
    public static FrameStages Build(StageInputs x)
    {
        var config = x.Config;
        var log = x.Loggers.CreateLogger("mfuser-edge");
        var stages = new List<IFrameStage> { new PublishStage(x.Link, x.Settings) };
        var fieldLog = config.FieldLog.Directory.Length > 0
            ? Checked("field_log", () => new FieldLogStage(config.FieldLog, x.Classes, x.Settings, x.Loggers,
                config.CalibrationFile.Length > 0 ? CalibrationYaml.Load(config.CalibrationFile) : null)) // checked at start-up by ModelStack
            : null;
        DomainShiftStage? shift = null;
        // The console is built first so the shift stage can report episodes to it; it reads the score of the stage
        // assigned just below.
        var console = config.Web.Enabled
            ? new ConsoleStage(config.Web, x.Watchdog, config.DomainShift.Enabled ? config.DomainShift.Options : null,
                config.DomainShift.Enabled ? () => shift!.Monitor.Score : null)
            : null;
        if (config.DomainShift.Enabled)
            stages.Add(shift = new DomainShiftStage(config.DomainShift.Options, x.Reference.Reference, x.Width, x.Height,
                new EpisodePublisher(x.Link, OpenEpisodes(config), log), EpisodeRecorders.Combine(fieldLog, console), x.FreshFix,
                log));
        if (fieldLog is not null)
            stages.Add(fieldLog);
        if (config.Serial.McuPort.Length > 0)
        {
            var mcu = Checked("serial.mcu",
                () => new McuLink(new SerialLinkOptions { Path = config.Serial.McuPort, BaudRate = config.Serial.McuBaud },
                logger: x.Loggers.CreateLogger<McuLink>()));
            stages.Add(new McuStage(mcu, shift is null ? null : () => shift.Monitor.InEpisode));
        }
        stages.Add(new WatchdogStage(x.Watchdog, x.Petter));
        if (console is not null)
            stages.Add(console); // an observer: after the watchdog, so its encoding never delays what counts a frame done
        foreach (var listener in stages.OfType<IRuntimeSettingsListener>())
            x.Settings.Changed += listener.SettingChanged;
        var description = $"domain shift {(shift is null ? "off" : "on")} (reference: {x.Reference.Origin}); field " +
                          $"log {(fieldLog is null ? "off" : "on")}; "
                          + $"MCU {(config.Serial.McuPort.Length > 0 ? "on" : "off")}; web console {(console is null ? "off" : "on")}";
        return new FrameStages(stages, fieldLog?.Commands() ?? new Dictionary<string, CommandHandler>(), description);
    }

    /// <summary>Where the open episode is remembered across a crash: beside the spool, only when there is one.</summary>
    public static OpenEpisodeFile? OpenEpisodes(EdgeConfig config) =>
        config.Spool.Directory.Length > 0 ? new OpenEpisodeFile(config.Spool.Directory) : null;

    private static T Checked<T>(string part, Func<T> create)
    {
        try
        {
            return create();
        }
        catch (ArgumentException e)
        {
            throw new ConfigException([new ConfigProblem("configuration", e.ParamName ?? part, null, e.Message)]);
        }
    }
}

/// <summary>The stages of a run, in order, with the commands they answer; starts and disposes them together.</summary>
public sealed class FrameStages(IReadOnlyList<IFrameStage> stages, IReadOnlyDictionary<string, CommandHandler> commands, string description)
    : IAsyncDisposable
{
    public IReadOnlyList<IFrameStage> All { get; } = stages;

    /// <summary>MQTT command handlers of the stages (<c>snapshot</c>, <c>mark_event</c> with a field log).</summary>
    public IReadOnlyDictionary<string, CommandHandler> Commands { get; } = commands;

    /// <summary>One line naming what is on, for the start-up log.</summary>
    public string Description { get; } = description;

    public void Start()
    {
        foreach (var stage in All)
            stage.Start();
    }

    private bool _disposed;

    /// <summary>Disposes every stage in order, once (queued episode events reach the must-deliver store, the field log is
    /// finished, serial ports close).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        foreach (var stage in All)
            await stage.DisposeAsync();
    }
}
