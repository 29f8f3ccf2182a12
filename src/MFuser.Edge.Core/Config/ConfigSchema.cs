using System.Globalization;

namespace MFuser.Edge.Core.Config;

/// <summary>One configuration key: its dotted name, default, what it accepts and what it means. The schema is the
/// single source of truth for the JSON file, the environment overrides and docs/configuration.md.</summary>
public sealed class Setting
{
    private readonly Func<string, object?> _parse;
    private readonly Func<string, string?>? _explain;

    private Setting(string key, string defaultValue, string allowed, string description, Func<string, object?> parse,
        Func<string, string?>? explain = null)
    {
        Key = key;
        Default = defaultValue;
        Allowed = allowed;
        Description = description;
        _parse = parse;
        _explain = explain;
    }

    /// <summary>Dotted key as written in the JSON file, e.g. <c>broker.url</c>.</summary>
    public string Key { get; }

    /// <summary>Default value in its textual form ("" for none).</summary>
    public string Default { get; }

    /// <summary>Human-readable description of the accepted values, used in error messages.</summary>
    public string Allowed { get; }

    public string Description { get; }

    /// <summary>A secret (a password): its value never appears in a message or a log (<see cref="Secrets"/>).</summary>
    public bool Secret { get; private init; }

    /// <summary>The environment variable that overrides this key: <c>MFUSER_</c> + key, dots as underscores, upper case.</summary>
    public string EnvironmentName => ConfigSchema.EnvironmentPrefix + Key.Replace('.', '_').ToUpperInvariant();

    /// <summary>Parses <paramref name="raw"/>; null when it is not an allowed value.</summary>
    public object? Parse(string raw) => _parse(raw.Trim());

    /// <summary>What is wrong with <paramref name="raw"/> in particular (null: nothing more specific than
    /// <see cref="Allowed"/>).</summary>
    public string? Explain(string raw) => _explain?.Invoke(raw.Trim());

    internal static Setting Text(string key, string def, string allowed, string description, Func<string, bool>? accept = null) =>
        new(key, def, allowed, description, s => accept is null || accept(s) ? s : null);

    /// <summary>Text checked by <paramref name="problem"/>, which says what is wrong with a refused value.</summary>
    internal static Setting CheckedText(string key, string def, string allowed, string description, Func<string, string?> problem) =>
        new(key, def, allowed, description, s => problem(s) is null ? s : null, problem);

    /// <summary>This setting, marked secret: its value never appears in a message or a log.</summary>
    internal Setting AsSecret() => new(Key, Default, Allowed, Description, _parse, _explain) { Secret = true };

    internal static Setting SecretText(string key, string description) =>
        new(key, "", "any text", description, s => s) { Secret = true };

    internal static Setting Bool(string key, bool def, string description) =>
        new(key, def ? "true" : "false", "true or false", description,
            s => bool.TryParse(s, out var b) ? b : null);

    internal static Setting Int(string key, long def, long min, long max, string description) =>
        new(key, def.ToString(CultureInfo.InvariantCulture), $"an integer from {min} to {max}", description,
            s => long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) && v >= min && v <= max ? v : null);

    internal static Setting Number(string key, double def, double min, double max, string description) =>
        new(key, def.ToString(CultureInfo.InvariantCulture),
            $"a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}", description,
            s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && double.IsFinite(v) && v >= min && v <= max
                ? v
                : null);

    /// <summary>A rate in Hz: 0 (off) or from <paramref name="min"/> to <paramref name="max"/>, so a value too small
    /// to mean anything (1e-15 Hz) is refused instead of being shown as 0 everywhere.</summary>
    internal static Setting Rate(string key, double def, double min, double max, string description) =>
        new(key, def.ToString(CultureInfo.InvariantCulture),
            $"0 (off) or a number from {min.ToString(CultureInfo.InvariantCulture)} to {max.ToString(CultureInfo.InvariantCulture)}", description,
            s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && (v == 0 || (v >= min && v <= max)) ? v : null);

    internal static Setting OneOf(string key, string def, string[] choices, string description) =>
        new(key, def, "one of " + string.Join(", ", choices), description,
            s => choices.Contains(s, StringComparer.OrdinalIgnoreCase) ? s.ToLowerInvariant() : null);

    /// <summary>A non-empty, duplicate-free list drawn from <paramref name="choices"/>, written comma-separated
    /// (or as a JSON array).</summary>
    internal static Setting ListOf(string key, string def, string[] choices, string description) =>
        new(key, def, "a non-empty list without repeats drawn from " + string.Join(", ", choices), description,
            s =>
            {
                var items = s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
                    .Select(i => i.ToLowerInvariant()).ToArray();
                return items.Length > 0 && items.All(i => choices.Contains(i)) && items.Distinct().Count() == items.Length
                    ? items : null;
            });
}

/// <summary>Every key the daemon understands (see docs/configuration.md, which a test keeps in step with this list).</summary>
public static class ConfigSchema
{
    /// <summary>Prefix of the environment variables that override configuration keys.</summary>
    public const string EnvironmentPrefix = "MFUSER_";

    public const string DefaultModel = "models/mfuser-tiny-synth";
    public const string DefaultSource = "synthetic://drive";

    /// <summary>Smallest non-zero rate a <c>*_hz</c> / <c>max_fps</c> key accepts: one per 1000 s.</summary>
    public const double MinRateHz = 0.001;

    private static bool IsDeviceId(string s) =>
        s.Length is > 0 and <= 64 && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string? BrokerUrlProblem(string s) => BrokerEndpoint.TryParse(s, out _, out var problem) ? null : problem;

    private static string? SourceUriProblem(string s) => SourceUri.TryParse(s, out _, out var problem) ? null : problem;

    public static IReadOnlyList<Setting> Settings { get; } =
    [
        Setting.Text("device_id", "", "1-64 characters from A-Z a-z 0-9 - _ (empty: the host name)",
            "Device id used in the topic base <prefix>/<device_id>.", s => s.Length == 0 || IsDeviceId(s)),
        Setting.Text("model.path", DefaultModel, "a model package directory (not empty)",
            "Model package directory (model.json + ONNX). Relative paths are tried against the working directory, then the executable's directory.",
            s => s.Trim().Length > 0),
        Setting.CheckedText("source.uri", DefaultSource,
            "file://<path>, rtsp://..., rtsps://..., http(s)://..., /dev/videoN, a camera index, v4l2://N, gst:<pipeline>, dir://<folder>, " +
                "synthetic://drive[?...]",
            "Camera source.", SourceUriProblem),
        Setting.OneOf("source.stream_backend", "auto", ["auto", "ffmpeg", "opencv"],
            "Decoder of rtsp:// and http(s):// streams: an ffmpeg child process or OpenCV's FFmpeg backend (auto: ffmpeg when it is on PATH)."),
        Setting.Bool("source.loop", false,
            "file:// and dir:// sources restart from the beginning when they end instead of being reopened after a back-off."),
        Setting.Rate("source.max_fps", 0, MinRateHz, 1000,
            "Upper bound on the capture rate (0: as fast as the source delivers). Useful for files, which have no clock."),
        Setting.Int("source.reopen_initial_ms", 500, 10, 600_000, "First back-off delay before reopening a failed or ended source."),
        Setting.Int("source.reopen_max_ms", 10_000, 10, 3_600_000, "Longest back-off delay (the delay doubles per failed attempt up to this bound)."),
        Setting.OneOf("source.rtsp_transport", "tcp", ["tcp", "udp"],
            "RTSP media transport with the ffmpeg back-end: tcp (interleaved, passes firewalls and NAT) or udp (lower latency, loses " +
                "packets under load)."),
        Setting.Int("source.probe_ms", 500, 50, 10_000,
            "How long ffmpeg may analyse a network stream before the first frame (-analyzeduration, with a matching -probesize); "
            + "ffmpeg's own default is 5 s."),
        Setting.Int("source.startup_timeout_s", 0, 0, 86_400,
            "Exit with code 4 when no frame arrives within this many seconds of start (0: wait forever)."),
        Setting.ListOf("inference.providers", "tensorrt,cuda,cpu", ["tensorrt", "cuda", "cpu"],
            "Execution providers tried in this order; the first that starts is used."),
        Setting.Int("inference.intra_op_threads", 0, 0, 256, "ONNX Runtime intra-op threads (0: ONNX Runtime's default, one per core)."),
        Setting.Text("inference.custom_op_library", "", "a path to the custom-op shared library (empty: libmfuser_ops.so next to the executable)",
            "Custom-op library registered when the model package requires one."),
        Setting.Int("inference.warmup_runs", 1, 1, 100, "Inference runs on a blank frame before the daemon reports ready."),
        Setting.Bool("inference.tensorrt.fp16", true,
            "TensorRT builds FP16 engines (layers TensorRT cannot run in FP16 stay FP32); false: FP32 engines."),
        Setting.Text("inference.tensorrt.engine_cache_dir", "", "a directory (empty: $CACHE_DIRECTORY/tensorrt under systemd, else " +
            "$XDG_CACHE_HOME/mfuser-edge/tensorrt, else ~/.cache/mfuser-edge/tensorrt)",
            "Root of the TensorRT engine cache; each model/ORT/TensorRT/device/precision combination gets its own <root>/<key> folder with " +
                "a cache-key.json."),
        Setting.Text("inference.tensorrt.timing_cache_dir", "", "a directory (empty: <engine_cache_dir>/timing)",
            "TensorRT timing cache (per-layer tactic timings, valid for one device and TensorRT version); shared by all models, it shortens " +
                "later builds."),
        Setting.Int("inference.tensorrt.workspace_mb", 0, 0, 1_048_576,
            "Upper bound of TensorRT's builder workspace in MiB (0: TensorRT's default, the device's memory)."),
        Setting.Int("inference.tensorrt.dla_core", -1, -1, 7,
            "DLA core TensorRT places layers on, Jetson AGX/NX only (-1: DLA off, GPU only); layers the DLA cannot run fall back to the GPU."),
        Setting.Text("inference.tensorrt.plugin_library", "",
            "a path to the TensorRT plugin library (empty: libmfuser_trt.so next to the executable, when present)",
            "TensorRT plugin library providing the SelectiveScan plugin of model.trt.onnx (trt_extra_plugin_lib_paths)."),
        Setting.Int("inference.tensorrt.builder_optimization_level", 3, 0, 5,
            "TensorRT builder optimisation level: higher searches more tactics (longer builds, possibly faster engines); 3 is TensorRT's default."),
        Setting.CheckedText("broker.url", "embedded", "embedded, mqtt://host:port or mqtts://host:port",
            "MQTT broker; 'embedded' starts an in-process broker on 127.0.0.1:broker.embedded_port.", BrokerUrlProblem),
        Setting.Int("broker.embedded_port", 1883, 1, 65535, "Loopback port of the embedded broker."),
        Setting.Text("broker.username", "", "any text", "MQTT user name (empty: anonymous)."),
        Setting.SecretText("broker.password", "MQTT password (never shown in messages or logs)."),
        Setting.Text("broker.ca_file", "", "a PEM file path", "CA certificate for mqtts:// (empty: the system trust store)."),
        Setting.Text("broker.client_cert", "", "a PEM file path", "Client certificate for mutual TLS (with broker.client_key)."),
        Setting.Text("broker.client_key", "", "a PEM file path", "PEM private key of broker.client_cert."),
        Setting.CheckedText("broker.topic_prefix", "mfuser", TopicPrefix.Allowed,
            "Topic prefix; the base topic is <prefix>/<device_id>.", TopicPrefix.Problem),
        Setting.Int("broker.keepalive_s", 15, 1, 65535,
            "MQTT keep-alive: a silently dead connection is noticed within about 1.5 × this; " +
            "the broker publishes the Last Will after 1.5 × this."),
        Setting.Int("broker.max_packet_kb", 64, 1, 262_144,
            "Largest packet accepted from the broker (MQTT 5 Maximum Packet Size; a larger one drops the connection on 3.1.1), " +
            "so the network cannot make the daemon buffer more."),
        Setting.Rate("publish.segmentation_hz", 2, MinRateHz, 60, "Rate limit of <base>/segmentation PNGs (0: off)."),
        Setting.Rate("publish.overlay_hz", 0, MinRateHz, 60, "Rate limit of <base>/overlay JPEGs (0: off)."),
        Setting.Int("publish.overlay_quality", 80, 1, 100, "JPEG quality of the overlay."),
        Setting.Number("publish.stats_interval_s", 5, 0.1, 3600, "Interval of <base>/stats."),
        Setting.Int("analysis.free_space_bins", 32, 1, 1024, "Number of column bins of the free-space scan."),
        Setting.Text("analysis.calibration", "", "a calibration YAML path (empty: none, ranges in rows only)",
            "Camera calibration used for bearings and ground ranges."),
        Setting.Bool("domain_shift.enabled", true,
            "Run the domain-shift monitor and publish episodes on <base>/domain_shift (docs/field-logging.md)."),
        Setting.Text("domain_shift.reference", "calibration/domain-reference.json", "a domain reference JSON path",
            "Per-vehicle in-domain baseline written by 'mfuser-edge calibrate-domain'; used when the file exists, else the model package's " +
                "domain_statistics, else statistics learned during domain_shift.warmup_s."),
        Setting.Number("domain_shift.open_threshold", 4, 0.1, 1000,
            "Shift score (in reference standard deviations) at or above which an episode starts to open."),
        Setting.Number("domain_shift.close_threshold", 2, 0, 1000,
            "Score below which an open episode starts to close (at most domain_shift.open_threshold)."),
        Setting.Number("domain_shift.open_after_s", 1, 0, 3600,
            "How long the score must stay at or above the open threshold before an episode opens."),
        Setting.Number("domain_shift.close_after_s", 3, 0, 3600, "How long the score must stay below the close threshold before the episode ends."),
        Setting.Number("domain_shift.min_duration_s", 2, 0, 3600, "Shortest episode."),
        Setting.Number("domain_shift.cooldown_s", 2, 0, 3600, "No new episode opens this long after one ended."),
        Setting.Number("domain_shift.update_interval_s", 5, 0.1, 3600, "An open episode publishes an update event this often."),
        Setting.Number("domain_shift.warmup_s", 10, 0, 3600,
            "Signals no reference covers are learned from the first frames for this long; no episode opens meanwhile."),
        Setting.Number("domain_shift.smoothing_s", 0.5, 0, 60, "Time constant of the exponential smoothing of every signal."),
        Setting.Text("spool.dir", "", "a directory (empty: in memory only)",
            "Disk spool of QoS 1 messages (domain_shift events, command results): fsync'd, delivered in order after broker outages and " +
                "daemon restarts."),
        Setting.Int("spool.max_mb", 64, 1, 1_048_576, "Bound of the disk spool; when full, new must-deliver messages are refused and counted."),
        Setting.Text("field_log.dir", "", "a directory (empty: no field logs)",
            "Where shift episodes, manual recordings and snapshots are written as MCAP files; the recorder owns every *.mcap in it."),
        Setting.Int("field_log.quota_mb", 4096, 1, 1_048_576, "Upper bound of all field-log files together; the oldest are deleted first."),
        Setting.Int("field_log.min_free_mb", 512, 0, 1_048_576, "Free space always left on the file system of field_log.dir."),
        Setting.Number("field_log.pre_trigger_s", 10, 0, 600, "How far back before an episode opens its file reaches (the pre-trigger ring)."),
        Setting.Number("field_log.post_trigger_s", 5, 0, 600, "Recording goes on this long after an episode ends."),
        Setting.Rate("field_log.image_hz", 5, MinRateHz, 60,
            "Rate of camera JPEGs and label-map PNGs handed to the recorder (0: none); drivable summaries and signals go every frame."),
        Setting.Int("field_log.jpeg_quality", 75, 1, 100, "JPEG quality of the recorded camera frames."),
        Setting.Bool("control.enabled", false,
            "Accept runtime settings (<base>/<setting>/set) and commands (<base>/cmd/<name>) over MQTT; off: the daemon does not subscribe."),
        Setting.Int("control.snapshot_per_min", 6, 1, 600,
            "Most cmd/snapshot commands run per minute; more are answered 'rate_limited' and counted."),
        Setting.Int("control.mark_event_per_min", 6, 1, 600,
            "Most cmd/mark_event commands run per minute; more are answered 'rate_limited' and counted."),
        Setting.Text("serial.gps.port", "", "a serial device path (empty: no GPS)",
            "NMEA 0183 GPS receiver that geotags drivable payloads, episodes and field logs; reopened with back-off when it vanishes."),
        Setting.Int("serial.gps.baud", 9600, 50, 4_000_000, "Baud rate of serial.gps.port."),
        Setting.Text("serial.mcu.port", "", "a serial device path (empty: no MCU link)",
            "Microcontroller link receiving one free-space frame per processed frame (docs/serial-protocol.md)."),
        Setting.Int("serial.mcu.baud", 115200, 50, 4_000_000, "Baud rate of serial.mcu.port."),
        Setting.Number("gps.max_fix_age_s", 2, 0.1, 3600, "A GPS fix older than this is not used to geotag a frame."),
        Setting.Number("watchdog.stall_s", 20, 1, 3600, "Under a systemd watchdog (WatchdogSec=), petting stops after this long without a " +
            "processed frame (unless the camera is known to be away)."),
        Setting.Number("shutdown.drain_s", 5, 0, 20,
            "On SIGTERM, how long the MQTT link may take to deliver queued must-deliver messages (waiting for the broker when it " +
            "is not connected) before available = stopped " +
            "and a clean disconnect (at most 20 s: the stop must fit systemd's TimeoutStopSec=30s)."),
        Setting.Bool("web.enabled", false, "Serve the live web console, /api/*, /metrics and the health probes (docs/console.md)."),
        Setting.Text("web.listen", "127.0.0.1:8080", "host:port, [IPv6]:port or 0.0.0.0:port (port 0: any free port)",
            "Address of the web console; beyond loopback it needs web.token."),
        Setting.Text("web.token", "", "16-256 characters from A-Z a-z 0-9 - . _ ~ (empty: none, loopback only)",
            "Bearer token (or ?token=) every console request but /healthz must present; required when web.listen is not loopback.").AsSecret(),
        Setting.Number("web.fps", 5, 0.2, 30, "Highest rate of the console's video streams and of the images encoded for them."),
        Setting.Int("run.max_frames", 0, 0, long.MaxValue,
            "Exit cleanly after this many processed frames, publishing available=stopped first (0: run until stopped)."),
        Setting.OneOf("run.status_line", "auto", ["auto", "on", "off"],
            "Live one-line status on the terminal (auto: only when stdout is a terminal)."),
    ];

    private static readonly Dictionary<string, Setting> ByKey = Settings.ToDictionary(s => s.Key, StringComparer.Ordinal);

    public static Setting? Find(string key) => ByKey.GetValueOrDefault(key);

    /// <summary>The keys under <paramref name="section"/> ("" for top-level), for "known keys are ..." hints.</summary>
    public static IEnumerable<string> KeysIn(string section) =>
        Settings.Select(s => s.Key).Where(k => section.Length == 0 ? true : k.StartsWith(section + ".", StringComparison.Ordinal));
}
