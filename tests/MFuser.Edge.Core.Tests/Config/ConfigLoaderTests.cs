using System.Collections;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.Config;

public sealed class ConfigLoaderTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static EdgeConfig Load(string? file = null, IDictionary? env = null, params (string, string, string)[] cli) =>
        ConfigLoader.Load(file, env ?? new Hashtable(), cli);

    private string Json(string text)
    {
        var path = _dir.File($"c{Guid.NewGuid():N}.json");
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Defaults_are_the_embedded_demo()
    {
        var c = Load(env: new Hashtable(), cli: [("device_id", "dev1", "--device-id")]);
        Assert.True(c.Broker.Endpoint.Embedded);
        Assert.Equal(1883, c.Broker.Endpoint.Port);
        Assert.Equal(SourceKind.Synthetic, c.Source.Uri.Kind);
        Assert.Equal(ConfigSchema.DefaultModel, c.ModelPath);
        Assert.Equal(["tensorrt", "cuda", "cpu"], c.Inference.Providers);
        Assert.Equal("mfuser/dev1", c.BaseTopic);
        Assert.Equal(0, c.MaxFrames);
    }

    [Fact]
    public void Layers_override_in_order_file_then_environment_then_command_line()
    {
        var file = Json("""{ "broker": { "url": "mqtt://file:1" }, "publish": { "segmentation_hz": 5 }, "source": { "uri": "rtsp://cam/a" } }""");
        var env = new Hashtable { ["MFUSER_BROKER_URL"] = "mqtt://env:2", ["MFUSER_INFERENCE_PROVIDERS"] = "cuda,cpu", ["PATH"] = "/bin" };
        var c = Load(file, env, ("broker.url", "mqtts://cli:3", "--broker"));
        Assert.Equal(new BrokerEndpoint(false, "cli", 3, true), c.Broker.Endpoint);
        Assert.Equal(5, c.Publish.SegmentationHz);
        Assert.Equal(["cuda", "cpu"], c.Inference.Providers);
        Assert.Equal(SourceKind.Stream, c.Source.Uri.Kind);
    }

    [Fact]
    public void Invalid_value_names_key_value_origin_and_what_is_allowed()
    {
        var file = Json("""{ "publish": { "segmentation_hz": 500 } }""");
        var e = Assert.Throws<ConfigException>(() => Load(file));
        var p = Assert.Single(e.Problems);
        Assert.Equal("publish.segmentation_hz", p.Key);
        Assert.Contains($"{file}: publish.segmentation_hz = '500' is not allowed: expected 0 (off) or a number from 0.001 to 60", e.Message);
    }

    [Fact]
    public void Unknown_keys_in_the_file_are_named_with_the_known_ones()
    {
        var file = Json("""{ "broker": { "hots": "x" }, "colour": 1 }""");
        var e = Assert.Throws<ConfigException>(() => Load(file));
        Assert.Contains(e.Problems, p => p.Key == "broker.hots" && p.Problem.Contains("unknown key (known in 'broker': url, embedded_port"));
        Assert.Contains(e.Problems, p => p.Key == "colour" && p.Problem.StartsWith("unknown key"));
    }

    [Fact]
    public void Unknown_MFUSER_environment_variable_is_an_error()
    {
        var e = Assert.Throws<ConfigException>(() => Load(env: new Hashtable { ["MFUSER_BROKER_HOST"] = "x" }));
        Assert.Contains("environment: MFUSER_BROKER_HOST: unknown variable (known: ", e.Message);
    }

    [Theory]
    [InlineData("broker.url", "tcp://x:1", "expected embedded, mqtt://host:port or mqtts://host:port")]
    [InlineData("run.max_frames", "-3", "expected an integer from 0 to")]
    [InlineData("run.max_frames", "ten", "expected an integer from 0 to")]
    [InlineData("inference.providers", "cuda,directml", "drawn from tensorrt, cuda, cpu")]
    [InlineData("inference.providers", "cpu,cpu", "without repeats")]
    [InlineData("source.uri", "ftp://x/y", "expected file://<path>")]
    [InlineData("device_id", "a/b", "1-64 characters")]
    [InlineData("broker.topic_prefix", "a/#", "without wildcards")]
    public void Command_line_values_are_validated(string key, string value, string allowed)
    {
        var e = Assert.Throws<ConfigException>(() => Load(cli: (key, value, "--opt")));
        var p = Assert.Single(e.Problems);
        Assert.Equal((key, value, "--opt"), (p.Key, p.Value, p.Origin));
        Assert.Contains(allowed, p.Problem);
    }

    [Fact]
    public void Missing_video_file_is_a_configuration_error()
    {
        var e = Assert.Throws<ConfigException>(() => Load(cli: ("source.uri", "file:///nonexistent/clip.mkv", "--source")));
        Assert.Contains("--source: source.uri = 'file:///nonexistent/clip.mkv' is not allowed: no such video file: /nonexistent/clip.mkv", e.Message);
        e = Assert.Throws<ConfigException>(() => Load(cli: ("source.uri", "file://localhost/nonexistent/clip.mkv", "--source"))); // RFC 8089
        Assert.Contains("no such video file: /nonexistent/clip.mkv", e.Message);
    }

    [Fact]
    public void Json_syntax_error_names_the_file()
    {
        var file = Json("{ \"broker\": ");
        var e = Assert.Throws<ConfigException>(() => Load(file));
        Assert.Contains($"{file}: --config: not valid JSON", e.Message);
    }

    [Fact]
    public void Json_arrays_and_booleans_are_accepted()
    {
        var file = Json("""{ "inference": { "providers": ["cpu"] }, "source": { "loop": true } }""");
        var c = Load(file);
        Assert.Equal(["cpu"], c.Inference.Providers);
        Assert.True(c.Source.Loop);
    }

    [Theory]
    [InlineData("0", SourceKind.V4l2, "/dev/video0")]
    [InlineData("/dev/video2", SourceKind.V4l2, "/dev/video2")]
    [InlineData("v4l2://1", SourceKind.V4l2, "/dev/video1")]
    [InlineData("gst:videotestsrc ! appsink", SourceKind.GStreamer, "videotestsrc ! appsink")]
    [InlineData("dir:///data/frames", SourceKind.ImageFolder, "/data/frames")]
    [InlineData("rtsp://10.0.0.2:8554/cam", SourceKind.Stream, "rtsp://10.0.0.2:8554/cam")]
    [InlineData("synthetic://drive?seed=3", SourceKind.Synthetic, "synthetic://drive?seed=3")]
    public void Source_uris_parse(string text, SourceKind kind, string target)
    {
        Assert.True(SourceUri.TryParse(text, out var s, out _));
        Assert.Equal((kind, target), (s.Kind, s.Target));
    }

    [Fact]
    public void Field_operation_keys_nest_in_the_file_and_are_off_by_default()
    {
        var off = Load();
        Assert.Equal(("", "", "", false), (off.Serial.GpsPort, off.Serial.McuPort, off.FieldLog.Directory, off.ControlEnabled));
        Assert.True(off.DomainShift.Enabled);
        Assert.Equal(TimeSpan.FromSeconds(20), off.WatchdogStall);

        var file = Json("""
            { "serial": { "gps": { "port": "/dev/ttyUSB0", "baud": 4800 }, "mcu": { "port": "/dev/ttyTHS1" } },
              "control": { "enabled": true }, "domain_shift": { "open_threshold": 6, "warmup_s": 30 },
              "field_log": { "dir": "/var/lib/mfuser/logs", "quota_mb": 100 }, "gps": { "max_fix_age_s": 1.5 } }
            """);
        var c = Load(file, new Hashtable { ["MFUSER_SPOOL_DIR"] = "/var/lib/mfuser/spool" });
        Assert.Equal(("/dev/ttyUSB0", 4800, "/dev/ttyTHS1", 115200), (c.Serial.GpsPort, c.Serial.GpsBaud, c.Serial.McuPort, c.Serial.McuBaud));
        Assert.Equal(TimeSpan.FromSeconds(1.5), c.Serial.MaxFixAge);
        Assert.True(c.ControlEnabled);
        Assert.Equal((6.0, 2.0, TimeSpan.FromSeconds(30)),
            (c.DomainShift.Options.OpenThreshold, c.DomainShift.Options.CloseThreshold, c.DomainShift.Options.Warmup));
        Assert.Equal(("/var/lib/mfuser/logs", 100L << 20), (c.FieldLog.Directory, c.FieldLog.QuotaBytes));
        Assert.Equal(("/var/lib/mfuser/spool", 64L << 20), (c.Spool.Directory, c.Spool.MaxBytes));
    }

    [Fact]
    public void Field_operation_cross_checks_name_the_key()
    {
        var e = Assert.Throws<ConfigException>(() => Load(env: new Hashtable
        {
            ["MFUSER_DOMAIN_SHIFT_OPEN_THRESHOLD"] = "3", ["MFUSER_DOMAIN_SHIFT_CLOSE_THRESHOLD"] = "5",
            ["MFUSER_SERIAL_GPS_PORT"] = "/dev/ttyUSB0", ["MFUSER_SERIAL_MCU_PORT"] = "/dev/ttyUSB0",
        }));
        Assert.Contains(e.Problems, p => p.Key == "domain_shift.close_threshold" && p.Problem.Contains("at most domain_shift.open_threshold (3)"));
        Assert.Contains(e.Problems, p => p.Key == "serial.mcu.port" && p.Problem.Contains("cannot share"));
        var range = Assert.Throws<ConfigException>(() => Load(env: new Hashtable { ["MFUSER_SERIAL_MCU_BAUD"] = "10" }));
        Assert.Contains(range.Problems, p => p.Key == "serial.mcu.baud" && p.Origin == "environment MFUSER_SERIAL_MCU_BAUD");
    }

    [Theory]
    [InlineData("run.max_frames", "5\u0000", "U+0000 at position 1")]
    [InlineData("publish.segmentation_hz", "2\u0000", "U+0000 at position 1")]
    [InlineData("device_id", "dev\u001b1", "U+001B at position 3")]
    public void Control_characters_in_a_value_are_refused(string key, string value, string where)
    {
        var e = Assert.Throws<ConfigException>(() => Load(cli: (key, value, "--opt")));
        var p = Assert.Single(e.Problems);
        Assert.Equal(key, p.Key);
        Assert.StartsWith($"contains the control character {where}; expected ", p.Problem);
    }

    [Theory]
    [InlineData("publish.segmentation_hz", "1e-15")]
    [InlineData("publish.overlay_hz", "0.0009")]
    [InlineData("field_log.image_hz", "5e-324")]
    [InlineData("source.max_fps", "1e-7")]
    public void A_rate_too_small_to_mean_anything_is_refused(string key, string value)
    {
        var p = Assert.Single(Assert.Throws<ConfigException>(() => Load(cli: (key, value, "--opt"))).Problems);
        Assert.StartsWith("expected 0 (off) or a number from 0.001 to ", p.Problem);
    }

    [Fact]
    public void Rates_of_zero_and_of_the_smallest_step_are_accepted()
    {
        var c = Load(cli: [("publish.segmentation_hz", "0", "--a"), ("publish.overlay_hz", "0.001", "--b")]);
        Assert.Equal((0.0, 0.001), (c.Publish.SegmentationHz, c.Publish.OverlayHz));
    }

    [Theory]
    [InlineData("mqtt://broker:0", "port 0: a broker port is 1 to 65535")]
    [InlineData("mqtt://broker:1883/topic", "expected only a host and an optional port")]
    [InlineData("tcp://broker:1883", "the scheme is 'tcp'")]
    public void Broker_urls_say_what_is_wrong(string url, string why)
    {
        var p = Assert.Single(Assert.Throws<ConfigException>(() => Load(cli: ("broker.url", url, "--broker"))).Problems);
        Assert.Equal($"expected embedded, mqtt://host:port or mqtts://host:port ({why})", p.Problem);
    }

    [Fact]
    public void Probe_time_defaults_to_500_ms_and_is_bounded()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(500), Load().Source.Probe);
        Assert.Equal(TimeSpan.FromMilliseconds(200), Load(env: new Hashtable { ["MFUSER_SOURCE_PROBE_MS"] = "200" }).Source.Probe);
        Assert.Throws<ConfigException>(() => Load(env: new Hashtable { ["MFUSER_SOURCE_PROBE_MS"] = "0" }));
    }

    [Fact]
    public void A_source_path_of_the_wrong_kind_says_what_it_is()
    {
        var file = Json("{}");
        var e = Assert.Throws<ConfigException>(() => Load(cli: [("source.uri", $"file://{_dir.Path}", "--source")]));
        Assert.Contains($"{_dir.Path} is a directory; expected a video file", e.Message);
        e = Assert.Throws<ConfigException>(() => Load(cli: [("source.uri", $"dir://{file}", "--source")]));
        Assert.Contains($"{file} is a file; expected a directory (image folder)", e.Message);
        e = Assert.Throws<ConfigException>(() => Load(env: new Hashtable { ["MFUSER_ANALYSIS_CALIBRATION"] = _dir.Path }));
        Assert.Contains($"analysis.calibration = '{_dir.Path}' is not allowed: {_dir.Path} is a directory; expected a file", e.Message);
    }

    [Fact]
    public void Every_key_and_environment_name_is_documented()
    {
        var doc = File.ReadAllText(Path.Combine(RepoPaths.Root, "docs", "configuration.md"));
        foreach (var s in ConfigSchema.Settings)
        {
            Assert.Contains($"`{s.Key}`", doc);
            Assert.Contains($"`{s.EnvironmentName}`", doc);
        }
    }

    public void Dispose() => _dir.Dispose();
}
