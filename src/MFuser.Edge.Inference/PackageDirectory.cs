using System.Security.Cryptography;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Inference;

/// <summary>A model package read from disk whose manifest parsed and whose ONNX bytes match the manifest's SHA-256
/// (docs/model-contract.md). The session-level checks happen in <see cref="SegmentationSession"/>.</summary>
public sealed class PackageDirectory
{
    private PackageDirectory(string directory, ModelManifest manifest, byte[] onnx)
    {
        Directory = directory;
        Manifest = manifest;
        OnnxBytes = onnx;
    }

    public string Directory { get; }
    public ModelManifest Manifest { get; }

    /// <summary>The verified model bytes; the session is created from exactly these bytes (and, for a package with
    /// external weights, the weights file whose SHA-256 was checked at load).</summary>
    public byte[] OnnxBytes { get; }

    public string OnnxPath => Path.Combine(Directory, Manifest.OnnxFile);

    /// <summary>Full path of the training-domain statistics file, or null when the package ships none.</summary>
    public string? DomainStatisticsPath => Manifest.DomainStatistics is { } f ? Path.Combine(Directory, f) : null;

    /// <summary>Reads the manifest and the ONNX file, checks the SHA-256 of the ONNX file and of the external weights file
    /// (when the manifest names one; ONNX Runtime reads it from the package directory while the session is created)
    /// and the presence of the statistics file.</summary>
    /// <exception cref="ModelPackageException">A check failed; the message names the file and the check.</exception>
    public static PackageDirectory Load(string directory)
    {
        var manifest = ManifestReader.ReadPackage(directory);
        var onnxPath = Path.Combine(directory, manifest.OnnxFile);
        PackageFile.Require(onnxPath, "ONNX file present", $"the file named by $.onnx.file in {ModelManifest.FileName}");
        var bytes = PackageFile.Read(onnxPath, File.ReadAllBytes);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (actual != manifest.Sha256)
            throw new ModelPackageException(onnxPath, "SHA-256", $"{manifest.Sha256} (from {ModelManifest.FileName})", actual);
        if (manifest.Weights is { } weights)
        {
            var weightsPath = Path.Combine(directory, weights.File);
            PackageFile.Require(weightsPath, "external weights present",
                $"the file named by $.onnx.external_data.file in {ModelManifest.FileName}");
            var weightsSha = PackageFile.Read(weightsPath, path =>
            {
                using var stream = File.OpenRead(path);
                return Convert.ToHexStringLower(SHA256.HashData(stream));
            });
            if (weightsSha != weights.Sha256)
                throw new ModelPackageException(weightsPath, "SHA-256", $"{weights.Sha256} (from {ModelManifest.FileName})", weightsSha);
        }
        var package = new PackageDirectory(directory, manifest, bytes);
        if (package.DomainStatisticsPath is { } stats)
            PackageFile.Require(stats, "domain statistics present", $"the file named by $.domain_statistics in {ModelManifest.FileName}");
        return package;
    }

    /// <summary>Resolves a configured package path: as given (absolute or relative to the working directory),
    /// then relative to the executable's directory.</summary>
    public static string Resolve(string path)
    {
        if (path.Trim().Length == 0)
            throw new ModelPackageException("(empty path)", "package directory", "the path of a model package directory", "an empty string");
        if (Path.IsPathRooted(path) || System.IO.Directory.Exists(path))
            return Path.GetFullPath(path);
        var besideExe = Path.Combine(AppContext.BaseDirectory, path);
        return System.IO.Directory.Exists(besideExe) ? besideExe : Path.GetFullPath(path);
    }
}
