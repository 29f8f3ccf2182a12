using System.Text;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Startup;

/// <summary>Every bad start-up input, run against the built executable: exit code 2, one message per problem in the
/// configuration-error style (<c>mfuser-edge: error: …</c> naming the key or file, what was expected and what was
/// found), no stack trace, and nothing loaded — the checks run before the model session is created.</summary>
public sealed class StartupInputTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>One bad input: extra arguments, environment, and the fragments the error must contain.</summary>
    private sealed record BadInput(string[] Args, Dictionary<string, string> Env, string[] Expect);

    private string Write(string name, string text) => Write(name, Encoding.UTF8.GetBytes(text));

    private string Write(string name, byte[] bytes)
    {
        var path = _dir.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static string Calibration(string height) =>
        $"image_width: 640\nimage_height: 480\ncamera_matrix: [500, 0, 320, 0, 500, 240, 0, 0, 1]\ncamera_height_m: {height}\n";

    private static BadInput Env(string key, string value, params string[] expect) => new([], new() { [key] = value }, expect);

    private BadInput Config(string name, byte[] bytes, params string[] expect) => new(["--config", Write(name, bytes)], [], [name, .. expect]);

    private BadInput Config(string name, string json, params string[] expect) => Config(name, Encoding.UTF8.GetBytes(json), expect);

    private BadInput Make(string name)
    {
        var plainFile = Write("plain.txt", "not a directory");
        switch (name)
        {
            case "calibration: malformed YAML":
                return Env("MFUSER_ANALYSIS_CALIBRATION", Write("bad.yaml", "image_width: [640,\nimage_height: 480\n"), "analysis.calibration",
                    "bad.yaml: not valid YAML");
            case "calibration: negative mounting height":
                return Env("MFUSER_ANALYSIS_CALIBRATION", Write("neg.yaml", Calibration("-1.5")), "analysis.calibration",
                    "camera_height_m must be > 0", "got -1.5");
            case "calibration: NaN":
                return Env("MFUSER_ANALYSIS_CALIBRATION", Write("nan.yaml", Calibration("NaN")),
                    "camera_height_m: expected a finite number, got 'NaN'");
            case "calibration: Infinity":
                return Env("MFUSER_ANALYSIS_CALIBRATION", Write("inf.yaml", Calibration("Infinity")),
                    "camera_height_m: expected a finite number, got 'Infinity'");
            case "calibration: missing file":
                return Env("MFUSER_ANALYSIS_CALIBRATION", _dir.File("none.yaml"), "analysis.calibration", "no such file", "none.yaml");
            case "calibration: a directory":
                return Env("MFUSER_ANALYSIS_CALIBRATION", _dir.Path, "analysis.calibration", "is a directory; expected a file");
            case "config: not UTF-8":
                return Config("latin1.json", [.. "{ \"device_id\": \"caf"u8, 0xE9, .. "\" }"u8], "not UTF-8: byte 0xE9 at line 1");
            case "config: lone surrogate escape":
                return Config("surrogate.json", """{ "device_id": "\ud800" }""", "device_id", "lone UTF-16 surrogate");
            case "config: empty file":
                return Config("empty.json", "", "the file is empty; expected a JSON object");
            case "config: a JSON array":
                return Config("array.json", "[1, 2]", "expected a JSON object at the top level, found Array");
            case "config: unknown keys":
                return Config("unknown.json", """{ "brokr": { "url": "x" }, "broker": { "hots": "y" } }""", "brokr: unknown key",
                    "broker.hots: unknown key");
            case "config: duplicate key":
                return Config("dup.json", "{\n \"device_id\": \"a\",\n \"device_id\": \"b\"\n}", "device_id: given twice (line 2", "line 3");
            case "config: a key dotted and in its section":
                return Config("dotted.json", """{ "source": { "max_fps": 1000 }, "source.max_fps": 0.25 }""", "source.max_fps",
                    "given twice (once as a dotted key, once inside its section)");
            case "config: NUL after a number":
                return Config("nul.json", """{ "publish": { "overlay_quality": "5\u0000" } }""", "publish.overlay_quality",
                    "control character U+0000");
            case "config: a rate of 1e-15":
                return Config("rate.json", """{ "publish": { "segmentation_hz": 1e-15 } }""", "publish.segmentation_hz = '1e-15'",
                    "0 (off) or a number from 0.001");
            case "config: a directory":
                return new(["--config", _dir.Path], [], ["--config: is a directory; expected a JSON file"]);
            case "environment: bad value":
                return Env("MFUSER_SOURCE_MAX_FPS", "fast", "environment MFUSER_SOURCE_MAX_FPS: source.max_fps = 'fast'");
            case "spool.dir: a file":
                return Env("MFUSER_SPOOL_DIR", plainFile, "spool.dir", "plain.txt is a file; expected a directory");
            case "spool.dir: under a file":
                return Env("MFUSER_SPOOL_DIR", Path.Combine(plainFile, "spool"), "spool.dir", "which is a file; expected a directory");
            case "field_log.dir: a file":
                return Env("MFUSER_FIELD_LOG_DIR", plainFile, "field_log.dir", "is a file; expected a directory");
            case "field_log.dir: not writable":
                return Env("MFUSER_FIELD_LOG_DIR", "/proc", "field_log.dir", "/proc is not writable");
            case "field_log.dir: cannot be created":
                return Env("MFUSER_FIELD_LOG_DIR", "/proc/mfuser-logs", "field_log.dir", "/proc/mfuser-logs cannot be created");
            case "broker: port 0":
                return new(["--broker", "mqtt://127.0.0.1:0"], [], ["broker.url = 'mqtt://127.0.0.1:0'", "port 0"]);
            case "broker: topic prefix $SYS":
                return Env("MFUSER_BROKER_TOPIC_PREFIX", "$SYS/mfuser", "broker.topic_prefix", "starts with '$'");
            case "broker: CA file not PEM":
                return Tls(Write("ca.crt", "garbage\n"), null, "broker.ca_file",
                    "expected PEM certificates (-----BEGIN CERTIFICATE-----), found none");
            case "broker: client key of another certificate":
                var pki = TestCertificates.Create(Directory.CreateDirectory(_dir.File("pki")).FullName);
                return Tls(pki.CaFile, (pki.ClientCertFile, pki.ServerKeyFile), "broker.client_key", "server.key",
                    "expected the unencrypted PEM private key of broker.client_cert");
            case "model.path: a file":
                return new(["--model", Path.Combine(RepoPaths.FixturePackage, "model.onnx")], [], ["model.path",
                    "model.onnx is a file; expected a model package directory"]);
            case "source: a directory where a video file is expected":
                return new(["--source", $"file://{_dir.Path}"], [], ["source.uri", "is a directory; expected a video file"]);
            case "source: a file where an image folder is expected":
                return new(["--source", $"dir://{plainFile}"], [], ["source.uri", "is a file; expected a directory (image folder)"]);
            // A FIFO passes "exists" and reading it waits for a writer forever: each one must be refused, not opened.
            case "config: a FIFO":
                return new(["--config", Fifo.Create(_dir.File("config.fifo"))], [], ["--config: is a FIFO (reading it would wait"]);
            case "calibration: a FIFO":
                return Env("MFUSER_ANALYSIS_CALIBRATION", Fifo.Create(_dir.File("calibration.fifo")), "analysis.calibration",
                    "is a FIFO (reading it would wait");
            case "source: a FIFO":
                return new(["--source", $"file://{Fifo.Create(_dir.File("video.fifo"))}"], [], ["source.uri", "is a FIFO (reading it would wait"]);
            case "domain reference: a FIFO":
                return Env("MFUSER_DOMAIN_SHIFT_REFERENCE", Fifo.Create(_dir.File("reference.fifo")), "domain_shift.reference",
                    "is a FIFO (reading it would wait");
            case "serial: a regular file":
                return Env("MFUSER_SERIAL_GPS_PORT", plainFile, "serial.gps.port", "plain.txt is not a serial device");
            case "serial: a directory":
                return Env("MFUSER_SERIAL_MCU_PORT", _dir.Path, "serial.mcu.port", "is a directory; expected a serial device");
            case "serial: a relative name":
                return Env("MFUSER_SERIAL_MCU_PORT", "COM3", "serial.mcu.port", "expected an absolute device path");
            case "config: an empty path":
                return new(["--config", ""], [], ["--config", "expected the path of a JSON file, found an empty string"]);
            case "model.path: empty":
                return new(["--model", ""], [], ["model.path = ''", "expected a model package directory (not empty)"]);
            default:
                throw new ArgumentException(name);
        }
    }

    private static BadInput Tls(string ca, (string Cert, string Key)? client, params string[] expect)
    {
        var env = new Dictionary<string, string> { ["MFUSER_BROKER_URL"] = "mqtts://127.0.0.1:8883", ["MFUSER_BROKER_CA_FILE"] = ca };
        if (client is { } c)
            (env["MFUSER_BROKER_CLIENT_CERT"], env["MFUSER_BROKER_CLIENT_KEY"]) = (c.Cert, c.Key);
        return new([], env, expect);
    }

    public static TheoryData<string> Cases =>
    [
        "calibration: malformed YAML", "calibration: negative mounting height", "calibration: NaN", "calibration: Infinity",
        "calibration: missing file", "calibration: a directory",
        "config: not UTF-8", "config: lone surrogate escape", "config: empty file", "config: a JSON array", "config: unknown keys",
        "config: duplicate key", "config: a key dotted and in its section",
        "config: NUL after a number", "config: a rate of 1e-15", "config: a directory",
        "environment: bad value",
        "spool.dir: a file", "spool.dir: under a file", "field_log.dir: a file", "field_log.dir: not writable", "field_log.dir: cannot be created",
        "broker: port 0", "broker: topic prefix $SYS", "broker: CA file not PEM", "broker: client key of another certificate",
        "model.path: a file", "source: a directory where a video file is expected", "source: a file where an image folder is expected",
        "config: a FIFO", "calibration: a FIFO", "source: a FIFO", "domain reference: a FIFO", "config: an empty path", "model.path: empty",
        "serial: a regular file", "serial: a directory", "serial: a relative name",
    ];

    [Fact]
    public async Task Control_characters_in_an_input_cannot_forge_lines_or_drive_the_terminal()
    {
        var p = await EdgeProcess.RunAsync(["run", "--max-frames", "1", "--model", RepoPaths.FixturePackage, "--broker", "mqtt://127.0.0.1:1",
            "--source", "synthetic://drive?seed=%0aFORGED%1b%5b31m"], new Dictionary<string, string>());
        Assert.True(p.ExitCode == 2, p.ToString());
        // "invalid configuration:" and the one problem: the decoded newline and ESC are shown escaped.
        Assert.Equal(2, p.Stderr.TrimEnd().Split('\n').Length);
        Assert.Contains("\\u000AFORGED\\u001B", p.Stderr);
        Assert.DoesNotContain('\u001b', p.Stderr);
    }

    [Fact]
    public async Task A_reference_recorded_with_another_model_exits_2_before_a_frame_is_processed()
    {
        // The bundled model's package statistics have a 64-value embedding; the fixture model emits 3.
        var other = Path.Combine(RepoPaths.Root, "models", "mfuser-tiny-synth", "domain_reference.json");
        var p = await EdgeProcess.RunAsync(["run", "--max-frames", "1", "--model", RepoPaths.FixturePackage, "--broker", "mqtt://127.0.0.1:1"],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = other });
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains("domain_shift.reference", p.Stderr);
        Assert.Contains("has 64 values, but model fixture-colour-rule", p.Stderr);
        AssertNoCrashOutput(p);
    }

    [Fact]
    public async Task An_embedded_broker_port_another_program_holds_exits_2_naming_the_key()
    {
        using var holder = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        holder.Start();
        var port = ((System.Net.IPEndPoint)holder.LocalEndpoint).Port;
        var p = await EdgeProcess.RunAsync(["run", "--max-frames", "1", "--model", RepoPaths.FixturePackage],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_BROKER_EMBEDDED_PORT"] = port.ToString() });
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains($"broker.embedded_port = '{port}'", p.Stderr);
        Assert.Contains("cannot listen", p.Stderr);
        AssertNoCrashOutput(p);
    }

    [Fact]
    public async Task A_calibration_output_that_cannot_be_written_is_refused_before_the_drive_is_recorded()
    {
        var p = await EdgeProcess.RunAsync(["calibrate-domain", "--model", RepoPaths.FixturePackage, "--frames", "2", "--output", _dir.Path],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" });
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains("--output", p.Stderr);
        Assert.Contains("is a directory; expected a file to write", p.Stderr);
        Assert.DoesNotContain("execution provider in use", p.Stdout + p.Stderr); // refused before the model loaded
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Bad_input_exits_2_with_one_clear_message_before_the_model_loads(string name)
    {
        var input = Make(name);
        var env = new Dictionary<string, string>(input.Env) { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" };
        // Defaults for what the case does not set itself (an option may be given once; the command line beats the environment).
        List<string> args = ["run", "--max-frames", "1", .. input.Args];
        if (!input.Args.Contains("--model"))
            args.AddRange(["--model", RepoPaths.FixturePackage]);
        if (!input.Args.Contains("--broker") && !input.Env.ContainsKey("MFUSER_BROKER_URL"))
            args.AddRange(["--broker", "mqtt://127.0.0.1:1"]);
        var p = await EdgeProcess.RunAsync(args, env);
        Assert.True(p.ExitCode == 2, $"{name}: {p}");
        Assert.StartsWith("mfuser-edge: error: ", p.Stderr);
        foreach (var fragment in input.Expect)
            Assert.True(p.Stderr.Contains(fragment, StringComparison.Ordinal), $"{name}: '{fragment}' missing from\n{p.Stderr}");
        AssertNoCrashOutput(p);
        Assert.DoesNotContain("execution provider in use", p.Stdout + p.Stderr); // the model session was never created
    }

    [Fact]
    public async Task A_calibration_output_that_is_a_device_is_never_replaced()
    {
        var output = _dir.File("reference.json");
        File.CreateSymbolicLink(output, "/dev/null"); // as root, the rename used to replace /dev/null itself
        var p = await EdgeProcess.RunAsync(["calibrate-domain", "--model", RepoPaths.FixturePackage, "--frames", "2", "--output", output],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" });
        Assert.True(p.ExitCode == 2, p.ToString());
        Assert.Contains("is a character device", p.Stderr);
        Assert.Equal("/dev/null", new FileInfo(output).LinkTarget);
    }

    [Fact]
    public async Task An_interrupted_calibration_writes_nothing_and_exits_130()
    {
        var output = _dir.File("reference.json");
        using var p = EdgeProcess.Start(["calibrate-domain", "--model", RepoPaths.FixturePackage, "--frames", "100000", "--output", output],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_SOURCE_MAX_FPS"] = "10" });
        await p.WaitForOutputAsync("execution provider in use", TimeSpan.FromSeconds(60));
        await Task.Delay(1500); // some frames recorded
        await p.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(p.ExitCode == 130, p.ToString());
        Assert.Contains("interrupted after", p.Stderr);
        Assert.False(File.Exists(output), "a baseline of a few frames must not replace the package's statistics");
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task An_unexpected_error_is_one_line_and_exit_1_not_a_crash()
    {
        // calibrate-domain writes its reference where it is told; a name longer than the file system allows fails only
        // when the file is written (an unforeseen IOException).
        var tooLong = Path.Combine(_dir.Path, new string('r', 300) + ".json");
        var p = await EdgeProcess.RunAsync(["calibrate-domain", "--model", RepoPaths.FixturePackage, "--frames", "2", "--output", tooLong],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_PROVIDERS"] = "cpu" }, timeoutS: 120);
        Assert.True(p.ExitCode == 1, p.ToString());
        var error = Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("mfuser-edge: error: unexpected ", error);
        Assert.Contains("rrrr", error);
        AssertNoCrashOutput(p);
    }

    private static void AssertNoCrashOutput(EdgeProcess p)
    {
        var output = p.Stdout + p.Stderr;
        Assert.DoesNotContain("Unhandled exception", output);
        Assert.DoesNotContain("\n   at ", "\n" + output);
        Assert.DoesNotContain("--- End of stack trace", output);
    }

    public void Dispose() => _dir.Dispose();
}
