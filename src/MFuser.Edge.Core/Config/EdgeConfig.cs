using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Files;

namespace MFuser.Edge.Core.Config;

/// <summary>Camera source settings (keys <c>source.*</c>).</summary>
public sealed record SourceConfig(SourceUri Uri, string StreamBackend, bool Loop, double MaxFps, TimeSpan ReopenInitial, TimeSpan ReopenMax,
    TimeSpan StartupTimeout)
{
    /// <summary>How long ffmpeg may analyse a network stream before its first frame (<c>source.probe_ms</c>).</summary>
    public TimeSpan Probe { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>RTSP media transport for the ffmpeg back-end (<c>source.rtsp_transport</c>): tcp or udp.</summary>
    public string RtspTransport { get; init; } = "tcp";
}

/// <summary>ONNX Runtime settings (keys <c>inference.*</c>).</summary>
public sealed record InferenceConfig(IReadOnlyList<string> Providers, int IntraOpThreads, string CustomOpLibrary, int WarmupRuns, TensorRtConfig TensorRt);

/// <summary>TensorRT execution-provider settings (keys <c>inference.tensorrt.*</c>); empty paths take the defaults
/// described in docs/configuration.md, a <see cref="DlaCore"/> of -1 keeps DLA off.</summary>
public sealed record TensorRtConfig(bool Fp16, string EngineCacheDir, string TimingCacheDir, int WorkspaceMb, int DlaCore,
    string PluginLibrary, int BuilderOptimizationLevel)
{
    /// <summary>The schema's defaults.</summary>
    public static TensorRtConfig Defaults { get; } = new(true, "", "", 0, -1, "", 3);
}

/// <summary>MQTT settings (keys <c>broker.*</c>).</summary>
public sealed record BrokerConfig(BrokerEndpoint Endpoint, string Username, string Password, string CaFile,
    string ClientCert, string ClientKey, string TopicPrefix)
{
    /// <summary><c>broker.keepalive_s</c>.</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary><c>broker.max_packet_kb</c>, in bytes.</summary>
    public int MaxPacketBytes { get; init; } = 64 * 1024;
}

/// <summary>Publishing rates (keys <c>publish.*</c>).</summary>
public sealed record PublishConfig(double SegmentationHz, double OverlayHz, int OverlayQuality, TimeSpan StatsInterval);

/// <summary>Domain-shift monitor settings (keys <c>domain_shift.*</c>); <see cref="Reference"/> is used when it exists.</summary>
public sealed record DomainShiftConfig(bool Enabled, string Reference, DomainShiftOptions Options);

/// <summary>Must-deliver spool (keys <c>spool.*</c>); an empty <see cref="Directory"/> keeps QoS 1 messages in memory.</summary>
public sealed record SpoolConfig(string Directory, long MaxBytes);

/// <summary>Field-log recorder settings (keys <c>field_log.*</c>); an empty <see cref="Directory"/> turns it off.</summary>
public sealed record FieldLogConfig(string Directory, long QuotaBytes, long MinFreeBytes, TimeSpan PreTrigger, TimeSpan PostTrigger,
    double ImageHz, int JpegQuality);

/// <summary>Serial links (keys <c>serial.*</c>, <c>gps.*</c>); an empty port turns its link off.</summary>
public sealed record SerialConfig(string GpsPort, int GpsBaud, string McuPort, int McuBaud, TimeSpan MaxFixAge);

/// <summary>Web console (keys <c>web.*</c>); docs/console.md. The console library checks the listen address and the token
/// rules at start-up.</summary>
public sealed record WebConfig(bool Enabled, string Listen, string Token, double Fps)
{
    /// <summary>Leaves the token out, so logging the configuration never leaks it.</summary>
    public override string ToString() =>
        $"WebConfig {{ Enabled = {Enabled}, Listen = {Listen}, Token = {(Token.Length == 0 ? "none" : "set")}, Fps = {Fps} }}";
}

/// <summary>Validated daemon configuration. Build it with <see cref="ConfigLoader"/>.</summary>
public sealed record EdgeConfig(
    string DeviceId,
    string ModelPath,
    SourceConfig Source,
    InferenceConfig Inference,
    BrokerConfig Broker,
    PublishConfig Publish,
    int FreeSpaceBins,
    string CalibrationFile,
    long MaxFrames,
    string StatusLine,
    DomainShiftConfig DomainShift,
    SpoolConfig Spool,
    FieldLogConfig FieldLog,
    SerialConfig Serial,
    bool ControlEnabled,
    TimeSpan WatchdogStall,
    WebConfig Web)
{
    /// <summary>Runs per minute allowed per MQTT command (<c>control.&lt;command&gt;_per_min</c>).</summary>
    public IReadOnlyDictionary<string, int> CommandsPerMinute { get; init; } = new Dictionary<string, int>();

    /// <summary><c>shutdown.drain_s</c>: how long a stop may spend delivering queued must-deliver messages.</summary>
    public TimeSpan ShutdownDrain { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Where each key's value came from ("default", the file, "environment MFUSER_…", an option), for
    /// messages about it; empty for a configuration not built by <see cref="ConfigLoader"/>.</summary>
    public IReadOnlyDictionary<string, string> Origins { get; init; } = new Dictionary<string, string>();

    /// <summary>The origin of <paramref name="key"/> (see <see cref="Origins"/>).</summary>
    public string OriginOf(string key) => Origins.GetValueOrDefault(key, "configuration");

    /// <summary>The MQTT base topic, <c>&lt;prefix&gt;/&lt;device_id&gt;</c>.</summary>
    public string BaseTopic => $"{Broker.TopicPrefix}/{DeviceId}";

    internal static EdgeConfig From(Func<string, object> get)
    {
        string S(string k) => (string)get(k);
        long L(string k) => (long)get(k);
        double D(string k) => (double)get(k);
        SourceUri.TryParse(S("source.uri"), out var source, out _);
        BrokerEndpoint.TryParse(S("broker.url"), out var broker, out _);
        if (broker.Embedded)
            broker = BrokerEndpoint.EmbeddedBroker((int)L("broker.embedded_port"));
        var deviceId = S("device_id");
        if (deviceId.Length == 0)
            deviceId = SanitizeHostName(Environment.MachineName);
        return new EdgeConfig(
            deviceId,
            S("model.path"),
            new SourceConfig(source, S("source.stream_backend"), (bool)get("source.loop"), D("source.max_fps"),
                TimeSpan.FromMilliseconds(L("source.reopen_initial_ms")), TimeSpan.FromMilliseconds(L("source.reopen_max_ms")),
                TimeSpan.FromSeconds(L("source.startup_timeout_s"))) { Probe = TimeSpan.FromMilliseconds(L("source.probe_ms")), RtspTransport = S("source.rtsp_transport") },
            new InferenceConfig((string[])get("inference.providers"), (int)L("inference.intra_op_threads"),
                S("inference.custom_op_library"), (int)L("inference.warmup_runs"),
                new TensorRtConfig((bool)get("inference.tensorrt.fp16"), S("inference.tensorrt.engine_cache_dir"), S("inference.tensorrt.timing_cache_dir"),
                    (int)L("inference.tensorrt.workspace_mb"), (int)L("inference.tensorrt.dla_core"), S("inference.tensorrt.plugin_library"),
                    (int)L("inference.tensorrt.builder_optimization_level"))),
            new BrokerConfig(broker, S("broker.username"), S("broker.password"), S("broker.ca_file"),
                S("broker.client_cert"), S("broker.client_key"), S("broker.topic_prefix"))
            {
                KeepAlive = TimeSpan.FromSeconds(L("broker.keepalive_s")),
                MaxPacketBytes = (int)(L("broker.max_packet_kb") << 10),
            },
            new PublishConfig(D("publish.segmentation_hz"), D("publish.overlay_hz"), (int)L("publish.overlay_quality"),
                TimeSpan.FromSeconds(D("publish.stats_interval_s"))),
            (int)L("analysis.free_space_bins"),
            S("analysis.calibration"),
            L("run.max_frames"),
            S("run.status_line"),
            new DomainShiftConfig((bool)get("domain_shift.enabled"), S("domain_shift.reference"), new DomainShiftOptions
            {
                OpenThreshold = D("domain_shift.open_threshold"),
                CloseThreshold = D("domain_shift.close_threshold"),
                OpenAfter = Seconds("domain_shift.open_after_s"),
                CloseAfter = Seconds("domain_shift.close_after_s"),
                MinDuration = Seconds("domain_shift.min_duration_s"),
                Cooldown = Seconds("domain_shift.cooldown_s"),
                UpdateInterval = Seconds("domain_shift.update_interval_s"),
                Warmup = Seconds("domain_shift.warmup_s"),
                Smoothing = Seconds("domain_shift.smoothing_s"),
            }),
            new SpoolConfig(S("spool.dir"), L("spool.max_mb") << 20),
            new FieldLogConfig(S("field_log.dir"), L("field_log.quota_mb") << 20, L("field_log.min_free_mb") << 20,
                Seconds("field_log.pre_trigger_s"), Seconds("field_log.post_trigger_s"), D("field_log.image_hz"), (int)L("field_log.jpeg_quality")),
            new SerialConfig(S("serial.gps.port"), (int)L("serial.gps.baud"), S("serial.mcu.port"), (int)L("serial.mcu.baud"),
                Seconds("gps.max_fix_age_s")),
            (bool)get("control.enabled"),
            Seconds("watchdog.stall_s"),
            new WebConfig((bool)get("web.enabled"), S("web.listen"), S("web.token"), D("web.fps")))
        {
            CommandsPerMinute = Control.ControlSchema.Commands.ToDictionary(c => c.Name, c => (int)L($"control.{c.Name}_per_min")),
            ShutdownDrain = Seconds("shutdown.drain_s"),
        };

        TimeSpan Seconds(string k) => TimeSpan.FromSeconds(D(k));
    }

    /// <summary>Checks that involve more than one key or the file system.</summary>
    internal IEnumerable<ConfigProblem> CrossCheck(Func<string, string> originOf)
    {
        if (Source.ReopenMax < Source.ReopenInitial)
            yield return new ConfigProblem(originOf("source.reopen_max_ms"), "source.reopen_max_ms", Source.ReopenMax.TotalMilliseconds.ToString(),
                $"must be at least source.reopen_initial_ms ({Source.ReopenInitial.TotalMilliseconds})");
        if (Source.Uri.Kind == SourceKind.File && FileProblem(Source.Uri.Target, "video file") is { } video)
            yield return new ConfigProblem(originOf("source.uri"), "source.uri", Source.Uri.Original, video);
        if (Source.Uri.Kind == SourceKind.ImageFolder && DirectoryProblem(Source.Uri.Target, "image folder") is { } folder)
            yield return new ConfigProblem(originOf("source.uri"), "source.uri", Source.Uri.Original, folder);
        foreach (var (key, path) in new[]
                 {
                     ("broker.ca_file", Broker.CaFile), ("broker.client_cert", Broker.ClientCert), ("broker.client_key", Broker.ClientKey),
                     ("inference.custom_op_library", Inference.CustomOpLibrary), ("inference.tensorrt.plugin_library", Inference.TensorRt.PluginLibrary),
                     ("analysis.calibration", CalibrationFile),
                 })
            if (path.Length > 0 && FileProblem(path, "file") is { } problem)
                yield return new ConfigProblem(originOf(key), key, path, problem);
        if (DomainShift.Options.CloseThreshold > DomainShift.Options.OpenThreshold)
            yield return new ConfigProblem(originOf("domain_shift.close_threshold"), "domain_shift.close_threshold",
                DomainShift.Options.CloseThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture),
                $"must be at most domain_shift.open_threshold ({DomainShift.Options.OpenThreshold.ToString(System.Globalization.CultureInfo.InvariantCulture)})");
        foreach (var (key, port) in new[] { ("serial.gps.port", Serial.GpsPort), ("serial.mcu.port", Serial.McuPort) })
            if (port.Length > 0 && SerialPortProblem(port) is { } problem)
                yield return new ConfigProblem(originOf(key), key, port, problem);
        if (Serial.GpsPort.Length > 0 && Serial.GpsPort == Serial.McuPort)
            yield return new ConfigProblem(originOf("serial.mcu.port"), "serial.mcu.port", Serial.McuPort,
                "the GPS and the MCU cannot share one serial port");
        if ((Broker.ClientKey.Length > 0) != (Broker.ClientCert.Length > 0))
            yield return new ConfigProblem(originOf("broker.client_cert"), "broker.client_cert", Broker.ClientCert,
                "broker.client_cert and broker.client_key go together: give both or neither");
        if (!Broker.Endpoint.Tls && (Broker.CaFile.Length > 0 || Broker.ClientCert.Length > 0))
            yield return new ConfigProblem(originOf("broker.url"), "broker.url", Broker.Endpoint.ToString(),
                "broker.ca_file / broker.client_cert need an mqtts:// broker");
    }

    /// <summary>Why <paramref name="path"/> is not an existing regular file (naming what it is instead), or null.</summary>
    internal static string? FileProblem(string path, string what) =>
        File.Exists(path) ? RegularFile.Problem(path) is { } notRegular ? $"{Path.GetFullPath(path)} is {notRegular} ({what})" : null
        : Directory.Exists(path) ? $"{Path.GetFullPath(path)} is a directory; expected a {what}"
        : $"no such {what}: {Path.GetFullPath(path)}";

    /// <summary>Why <paramref name="path"/> cannot be a serial port, or null. A port that does not exist yet is fine (a
    /// USB receiver plugged in later is opened then); one that exists must be a character device that can be a serial port
    /// (a tty or pty) — a regular file, a folder or /dev/null would only fail to open, again and again, with a misleading
    /// "access denied".</summary>
    /// <summary>Character devices that are never a serial port.</summary>
    private static readonly HashSet<string> NotSerial = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];

    internal static string? SerialPortProblem(string path)
    {
        if (!Path.IsPathRooted(path))
            return "expected an absolute device path such as /dev/ttyUSB0 or /dev/serial/by-id/…";
        if (Directory.Exists(path))
            return $"{path} is a directory; expected a serial device";
        if (!File.Exists(path))
            return null;
        var target = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        var kind = RegularFile.KindOf(path);
        return kind is FileKind.CharacterDevice or FileKind.Unknown && !NotSerial.Contains(target)
            ? null
            : $"{path} is {(target == path ? "" : $"a link to {target}, ")}not a serial device (expected a device such as /dev/ttyUSB0)";
    }

    /// <summary>Why <paramref name="path"/> is not an existing directory (naming what it is instead), or null.</summary>
    internal static string? DirectoryProblem(string path, string what) =>
        Directory.Exists(path) ? null
        : File.Exists(path) ? $"{Path.GetFullPath(path)} is a file; expected a directory ({what})"
        : $"no such {what}: {Path.GetFullPath(path)}";

    private static string SanitizeHostName(string host)
    {
        var id = new string(host.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '-').ToArray());
        return id.Length == 0 ? "edge" : id[..Math.Min(64, id.Length)];
    }
}
