using System.Collections;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.Config;

/// <summary>The checks <c>run</c> makes before the model loads: every named file and directory is what it must be.</summary>
public sealed class StartupChecksTests : IDisposable
{
    private readonly TempDir _dir = new();

    /// <summary>The configuration of <paramref name="env"/>, on the fixture model unless the environment names one.</summary>
    private static EdgeConfig Config(Hashtable env) =>
        ConfigLoader.Load(null, env, env.ContainsKey("MFUSER_MODEL_PATH") ? [] : [("model.path", RepoPaths.FixturePackage, "--model")]);

    private static ConfigProblem Refused(Hashtable env, string key) =>
        Assert.Single(Assert.Throws<ConfigException>(() => StartupChecks.Run(Config(env))).Problems, p => p.Key == key);

    private string Write(string name, string text)
    {
        var path = _dir.File(name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void A_good_configuration_passes()
    {
        StartupChecks.Run(Config(new Hashtable { ["MFUSER_ANALYSIS_CALIBRATION"] = Write("cam.yaml", CalibrationText(1.4)) }));
        StartupChecks.Run(Config(new Hashtable()));
    }

    [Fact]
    public void A_model_path_that_is_a_file_says_so()
    {
        var onnx = Path.Combine(RepoPaths.FixturePackage, "model.onnx");
        var p = Refused(new Hashtable { ["MFUSER_MODEL_PATH"] = onnx }, "model.path");
        Assert.Equal("environment MFUSER_MODEL_PATH", p.Origin);
        Assert.Equal($"{onnx} is a file; expected a model package directory (holding model.json and the ONNX file)", p.Problem);
    }

    [Theory]
    [InlineData(-1.0, "camera_height_m must be > 0 and at most 100 metres, got -1")]
    [InlineData(double.NaN, "camera_height_m: expected a finite number, got 'NaN'")]
    [InlineData(double.PositiveInfinity, "camera_height_m: expected a finite number, got 'Infinity'")]
    public void A_bad_calibration_is_a_configuration_problem_naming_file_and_key(double height, string problem)
    {
        var path = Write("cam.yaml", CalibrationText(height));
        var p = Refused(new Hashtable { ["MFUSER_ANALYSIS_CALIBRATION"] = path }, "analysis.calibration");
        Assert.Equal(path, p.Value);
        Assert.Equal($"{path}: {problem}", p.Problem);
    }

    [Fact]
    public void Malformed_calibration_yaml_is_named_with_its_line()
    {
        var path = Write("cam.yaml", "image_width: [640,\nimage_height: 480\n");
        Assert.StartsWith($"{path}: not valid YAML", Refused(new Hashtable { ["MFUSER_ANALYSIS_CALIBRATION"] = path },
            "analysis.calibration").Problem);
    }

    [Fact]
    public void Spool_and_field_log_directories_are_created_and_probed_without_leaving_anything()
    {
        var spool = _dir.File("a/b/spool");
        var logs = _dir.File("logs");
        StartupChecks.Run(Config(new Hashtable { ["MFUSER_SPOOL_DIR"] = spool, ["MFUSER_FIELD_LOG_DIR"] = logs }));
        Assert.Empty(Directory.EnumerateFileSystemEntries(spool));
        Assert.Empty(Directory.EnumerateFileSystemEntries(logs));
    }

    [Fact]
    public void A_directory_that_is_a_file_lies_under_a_file_or_is_not_writable_is_refused()
    {
        var file = Write("plain.txt", "x");
        var e = Assert.Throws<ConfigException>(() => StartupChecks.Run(Config(new Hashtable
        {
            ["MFUSER_SPOOL_DIR"] = file, ["MFUSER_FIELD_LOG_DIR"] = Path.Combine(file, "logs"),
        })));
        Assert.Contains(e.Problems, p => p.Key == "spool.dir" && p.Problem == $"{file} is a file; expected a directory");
        Assert.Contains(e.Problems,
            p => p.Key == "field_log.dir" && p.Problem == $"{file}/logs lies under {file}, which is a file; expected a directory");
        // /proc refuses new files even to root, which ignores permission bits.
        Assert.StartsWith("/proc is not writable: ", Refused(new Hashtable { ["MFUSER_FIELD_LOG_DIR"] = "/proc" }, "field_log.dir").Problem);
        Assert.StartsWith("/proc/mfuser-spool cannot be created: ", Refused(new Hashtable { ["MFUSER_SPOOL_DIR"] = "/proc/mfuser-spool" },
            "spool.dir").Problem);
    }

    [Fact]
    public void A_ca_file_that_is_not_pem_is_refused()
    {
        var notPem = Write("ca.crt", "this is not a certificate\n");
        var p = Refused(new Hashtable { ["MFUSER_BROKER_URL"] = "mqtts://broker:8883", ["MFUSER_BROKER_CA_FILE"] = notPem }, "broker.ca_file");
        Assert.Equal($"{notPem}: expected PEM certificates (-----BEGIN CERTIFICATE-----), found none", p.Problem);
    }

    [Fact]
    public void A_client_key_that_does_not_belong_to_the_certificate_is_refused_naming_both()
    {
        var pki = TestCertificates.Create(Directory.CreateDirectory(_dir.File("pki")).FullName);
        var env = new Hashtable
        {
            ["MFUSER_BROKER_URL"] = "mqtts://broker:8883", ["MFUSER_BROKER_CA_FILE"] = pki.CaFile,
            ["MFUSER_BROKER_CLIENT_CERT"] = pki.ClientCertFile, ["MFUSER_BROKER_CLIENT_KEY"] = pki.ServerKeyFile,
        };
        var p = Refused(env, "broker.client_key");
        Assert.StartsWith($"{pki.ServerKeyFile}: expected the unencrypted PEM private key of broker.client_cert {pki.ClientCertFile}", p.Problem);
        env["MFUSER_BROKER_CLIENT_KEY"] = pki.ClientKeyFile;
        StartupChecks.Run(Config(env));
    }

    [Fact]
    public void A_domain_reference_that_is_a_directory_or_not_a_reference_is_refused()
    {
        Assert.Contains("is a directory; expected a domain reference file",
            Refused(new Hashtable { ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.Path }, "domain_shift.reference").Problem);
        var bad = Write("ref.json", "{ \"format\": \"something else\" }");
        Assert.StartsWith("expected a domain reference written by 'mfuser-edge calibrate-domain'",
            Refused(new Hashtable { ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = bad }, "domain_shift.reference").Problem);
        StartupChecks.Run(Config(new Hashtable { ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("not-yet.json") })); // optional
    }

    [Fact]
    public void All_problems_are_reported_together()
    {
        var file = Write("plain.txt", "x");
        var e = Assert.Throws<ConfigException>(() => StartupChecks.Run(Config(new Hashtable
        {
            ["MFUSER_SPOOL_DIR"] = file, ["MFUSER_FIELD_LOG_DIR"] = file, ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.Path,
        })));
        Assert.Equal(["spool.dir", "field_log.dir", "domain_shift.reference"], e.Problems.Select(p => p.Key));
    }

    internal static string CalibrationText(double height) => $"""
        image_width: 640
        image_height: 480
        camera_matrix: [500, 0, 320, 0, 500, 240, 0, 0, 1]
        camera_height_m: {height.ToString(System.Globalization.CultureInfo.InvariantCulture)}
        """;

    public void Dispose() => _dir.Dispose();
}
