using System.Security.Cryptography;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge.Inference;

/// <summary>The ONNX file one provider's session is created from. CPU and CUDA run the manifest's file (verified by
/// <see cref="PackageDirectory.Load"/>). TensorRT runs <see cref="TensorRtFile"/> when the package ships it — the exporter's
/// variant with the scan node in domain <c>trt.plugins</c> for the TensorRT plugin (docs/model-contract.md) — else the
/// manifest's file. The manifest names one file only, so the TensorRT variant is checked against the package's
/// <c>SHA256SUMS</c> (written by the exporter) when it lists it.</summary>
/// <param name="File">File name inside the package.</param>
/// <param name="Bytes">The bytes the session is created from.</param>
/// <param name="Sha256">SHA-256 of <paramref name="Bytes"/>.</param>
/// <param name="Verified">How the bytes were checked, e.g. "model.json" or "SHA256SUMS", or why they were not.</param>
public sealed record ModelVariant(string File, byte[] Bytes, string Sha256, string Verified)
{
    /// <summary>The TensorRT variant's file name (src/MFuser.Onnx ScanVariant.TensorRt).</summary>
    public const string TensorRtFile = "model.trt.onnx";

    /// <summary>The exporter's checksum list (<c>sha256sum -c</c> format).</summary>
    public const string ChecksumFile = "SHA256SUMS";

    /// <summary>The manifest's ONNX file.</summary>
    public static ModelVariant Primary(PackageDirectory package) =>
        new(package.Manifest.OnnxFile, package.OnnxBytes, package.Manifest.Sha256, ModelManifest.FileName);

    /// <summary>The variant a provider loads: <see cref="TensorRtFile"/> for tensorrt when present, else the primary.</summary>
    /// <exception cref="ModelPackageException">The TensorRT variant does not match its SHA256SUMS entry.</exception>
    public static ModelVariant For(PackageDirectory package, string provider)
    {
        var path = Path.Combine(package.Directory, TensorRtFile);
        if (provider != "tensorrt" || package.Manifest.OnnxFile == TensorRtFile || !System.IO.File.Exists(path))
            return Primary(package);
        var bytes = System.IO.File.ReadAllBytes(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var listed = ListedSha256(Path.Combine(package.Directory, ChecksumFile), TensorRtFile);
        if (listed is null)
            return new ModelVariant(TensorRtFile, bytes, actual, $"unverified: not listed in {ChecksumFile}");
        if (listed != actual)
            throw new ModelPackageException(path, "SHA-256", $"{listed} (from {ChecksumFile})", actual);
        return new ModelVariant(TensorRtFile, bytes, actual, ChecksumFile);
    }

    /// <summary>The lowercase digest <paramref name="checksums"/> lists for <paramref name="file"/>, or null.</summary>
    public static string? ListedSha256(string checksums, string file)
    {
        if (!System.IO.File.Exists(checksums))
            return null;
        foreach (var line in System.IO.File.ReadLines(checksums))
        {
            // "<64 hex>  <name>" (text mode) or "<64 hex> *<name>" (binary mode)
            var parts = line.Split(' ', 2);
            if (parts.Length == 2 && parts[0].Length == 64 && parts[1].TrimStart(' ', '*') == file)
                return parts[0].ToLowerInvariant();
        }
        return null;
    }
}
