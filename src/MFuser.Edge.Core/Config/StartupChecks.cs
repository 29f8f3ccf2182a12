using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MFuser.Edge.Core.Calibration;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Files;

namespace MFuser.Edge.Core.Config;

/// <summary>The checks <c>mfuser-edge run</c> makes once, after the configuration is loaded and before the model
/// session is created, on everything the configuration names that could fail later: the model path is a directory,
/// the calibration parses, the spool and field-log directories exist (created when missing) and take a file, the
/// TLS files are PEM and the client key belongs to its certificate, the per-vehicle domain reference parses. All
/// problems are reported together as a <see cref="ConfigException"/> (exit code 2), each naming the key, the file,
/// what was expected and what was found (docs/configuration.md).</summary>
public static class StartupChecks
{
    /// <summary>Largest PEM file read (a certificate chain is a few KiB).</summary>
    private const int MaxPemBytes = 1 << 20;

    /// <exception cref="ConfigException">At least one check failed.</exception>
    public static void Run(EdgeConfig config)
    {
        var problems = new List<ConfigProblem>();
        void Add(string key, string value, string? problem)
        {
            if (problem is not null)
                problems.Add(new ConfigProblem(config.OriginOf(key), key, value, problem));
        }

        Add("model.path", config.ModelPath, ModelPathProblem(config.ModelPath));
        if (config.CalibrationFile.Length > 0)
        {
            try
            {
                CalibrationYaml.Load(config.CalibrationFile);
            }
            catch (CalibrationException e)
            {
                Add("analysis.calibration", config.CalibrationFile, e.Message);
            }
        }
        if (config.Spool.Directory.Length > 0)
            Add("spool.dir", config.Spool.Directory, WritableDirectory.Problem(config.Spool.Directory));
        if (config.FieldLog.Directory.Length > 0)
            Add("field_log.dir", config.FieldLog.Directory, WritableDirectory.Problem(config.FieldLog.Directory));
        if (config.Broker.CaFile.Length > 0)
            Add("broker.ca_file", config.Broker.CaFile, CaFileProblem(config.Broker.CaFile));
        if (config.Broker.ClientCert.Length > 0 && config.Broker.ClientKey.Length > 0)
            Add("broker.client_key", config.Broker.ClientKey, ClientKeyProblem(config.Broker.ClientCert, config.Broker.ClientKey));
        if (config.DomainShift.Enabled && config.DomainShift.Reference.Length > 0)
            Add("domain_shift.reference", config.DomainShift.Reference, ReferenceProblem(config.DomainShift.Reference));

        if (problems.Count > 0)
            throw new ConfigException(problems);
    }

    /// <summary>A model path that names a file (typically the .onnx itself) instead of the package directory.</summary>
    private static string? ModelPathProblem(string path)
    {
        var besideExe = Path.IsPathRooted(path) ? null : Path.Combine(AppContext.BaseDirectory, path);
        if (Directory.Exists(path) || (besideExe is not null && Directory.Exists(besideExe)))
            return null;
        var file = File.Exists(path) ? path : besideExe is not null && File.Exists(besideExe) ? besideExe : null;
        return file is null ? null // nothing there: the model package check reports it (exit 3)
            : $"{Path.GetFullPath(file)} is a file; expected a model package directory (holding model.json and the ONNX file)";
    }

    private static string? CaFileProblem(string path)
    {
        if (ReadPem(path, out var pem) is { } unreadable)
            return unreadable;
        var cas = new X509Certificate2Collection();
        try
        {
            cas.ImportFromPem(pem);
        }
        catch (CryptographicException e)
        {
            return $"{path}: expected PEM certificates, found something that does not parse: {e.Message}";
        }
        try
        {
            return cas.Count == 0 ? $"{path}: expected PEM certificates (-----BEGIN CERTIFICATE-----), found none" : null;
        }
        finally
        {
            foreach (var ca in cas)
                ca.Dispose();
        }
    }

    private static string? ClientKeyProblem(string certPath, string keyPath)
    {
        if (ReadPem(certPath, out var cert) is { } certUnreadable)
            return $"broker.client_cert: {certUnreadable}";
        if (ReadPem(keyPath, out var key) is { } keyUnreadable)
            return keyUnreadable;
        try
        {
            using var pair = X509Certificate2.CreateFromPem(cert, key);
            return null;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            return $"{keyPath}: expected the unencrypted PEM private key of broker.client_cert {certPath}, "
                + $"but the pair does not load: {e.Message}";
        }
    }

    private static string? ReferenceProblem(string path)
    {
        if (Directory.Exists(path))
            return $"{Path.GetFullPath(path)} is a directory; expected a domain reference file (or no file: it is optional)";
        if (!File.Exists(path))
            return null; // optional: the package's statistics or the warm-up take over
        try
        {
            DomainReferenceFile.Load(path);
            return null;
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return $"expected a domain reference written by 'mfuser-edge calibrate-domain': {e.Message}";
        }
    }

    /// <summary>Reads a PEM file of at most <see cref="MaxPemBytes"/>; returns why it cannot be, or null.</summary>
    private static string? ReadPem(string path, out string text)
    {
        text = "";
        if (Directory.Exists(path))
            return $"{Path.GetFullPath(path)} is a directory; expected a PEM file";
        if (RegularFile.Problem(path) is { } notRegular)
            return $"{path}: is {notRegular}";
        try
        {
            using var stream = File.OpenRead(path);
            var buffer = new byte[MaxPemBytes + 1];
            var length = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            if (length > MaxPemBytes)
                return $"{path}: larger than {MaxPemBytes >> 20} MiB; expected a PEM file";
            text = System.Text.Encoding.UTF8.GetString(buffer, 0, length);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{path}: cannot be read: {e.Message}";
        }
    }
}
