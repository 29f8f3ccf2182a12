using System.Diagnostics;
using System.Globalization;

namespace MFuser.Edge.Inference;

/// <summary>Discovers the TensorRT version and the GPU for <see cref="EngineCacheKey"/>. The parsers are pure and
/// tested; the probes (library folders, <c>nvidia-smi</c>, <c>/proc/device-tree/model</c>) have only been run on
/// machines without NVIDIA hardware here, where they yield "unknown" and "none".</summary>
public static class GpuEnvironment
{
    /// <summary>Folders searched for <c>libnvinfer.so.*</c>: <c>LD_LIBRARY_PATH</c>, the executable's folder, then the
    /// JetPack, Debian/Ubuntu and tarball locations.</summary>
    public static IEnumerable<string> LibraryFolders()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("LD_LIBRARY_PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
            yield return dir;
        yield return AppContext.BaseDirectory;
        yield return "/usr/lib/aarch64-linux-gnu";
        yield return "/usr/lib/x86_64-linux-gnu";
        yield return "/usr/local/tensorrt/lib";
        yield return "/usr/lib64";
        yield return "/usr/lib";
    }

    /// <summary>The TensorRT version from the most specific <c>libnvinfer.so.X[.Y[.Z]]</c> file name in the first
    /// folder that has one (e.g. "10.3.0"), or "unknown".</summary>
    public static string TensorRtVersion(IEnumerable<string> folders)
    {
        foreach (var dir in folders)
        {
            if (!Directory.Exists(dir))
                continue;
            // .NET's "libnvinfer.so.*" pattern also matches "libnvinfer.so", hence the explicit prefix check.
            var best = Directory.EnumerateFiles(dir, "libnvinfer.so.*")
                .Select(Path.GetFileName)
                .Where(f => f!.StartsWith(Prefix, StringComparison.Ordinal) && f.Length > Prefix.Length)
                .Select(f => f![Prefix.Length..])
                .Select(v => (Text: v, Parts: v.Split('.')))
                .Where(v => v.Parts.All(p => p.Length > 0 && p.All(char.IsAsciiDigit)))
                .OrderByDescending(v => v.Parts.Length)
                .ThenByDescending(v => v.Parts.Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray(), VersionOrder.Instance)
                .Select(v => v.Text)
                .FirstOrDefault();
            if (best is not null)
                return best;
        }
        return "unknown";
    }

    /// <summary>On a Jetson, its board from the device tree (e.g. "NVIDIA Jetson AGX Orin Developer Kit": it fixes the
    /// integrated GPU, and JetPack's <c>nvidia-smi</c> may not name it or may be unreachable inside the service's
    /// sandbox, which would make the key differ between <c>build-engine</c> and the daemon); elsewhere "name, compute
    /// capability X.Y" of the first GPU from <c>nvidia-smi</c>; "none" when neither answers.</summary>
    public static string Device()
    {
        try
        {
            if (File.Exists("/proc/device-tree/model") && ParseDeviceTreeModel(File.ReadAllBytes("/proc/device-tree/model")) is { } jetson)
                return jetson;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
        return NvidiaSmi() is { } line && ParseNvidiaSmi(line) is { } gpu ? gpu : "none";
    }

    /// <summary>Parses one line of <c>nvidia-smi --query-gpu=name,compute_cap --format=csv,noheader</c>, e.g.
    /// "NVIDIA H100 80GB HBM3, 9.0" → "NVIDIA H100 80GB HBM3, compute capability 9.0"; null when it is not such a line.</summary>
    public static string? ParseNvidiaSmi(string line)
    {
        var comma = line.LastIndexOf(',');
        if (comma <= 0)
            return null;
        var name = line[..comma].Trim();
        var cap = line[(comma + 1)..].Trim();
        if (name.Length == 0)
            return null;
        return double.TryParse(cap, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out _)
            ? $"{name}, compute capability {cap}"
            : $"{name}, compute capability unknown";
    }

    /// <summary>The device-tree model string (NUL-terminated, e.g. "NVIDIA Jetson AGX Orin Developer Kit"); null when
    /// it is not an NVIDIA Jetson.</summary>
    public static string? ParseDeviceTreeModel(ReadOnlySpan<byte> raw)
    {
        var text = System.Text.Encoding.UTF8.GetString(raw).TrimEnd('\0', '\n', ' ');
        return text.Contains("Jetson", StringComparison.OrdinalIgnoreCase) ? text : null;
    }

    private static string? NvidiaSmi()
    {
        try
        {
            var psi = new ProcessStartInfo("nvidia-smi", "--query-gpu=name,compute_cap --format=csv,noheader -i 0")
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
            };
            using var p = Process.Start(psi);
            if (p is null)
                return null;
            var output = p.StandardOutput.ReadToEndAsync();
            if (!p.WaitForExit(5000))
            {
                p.Kill();
                return null;
            }
            return p.ExitCode == 0 ? output.Result.Split('\n')[0].Trim() : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }

    private const string Prefix = "libnvinfer.so.";

    private sealed class VersionOrder : IComparer<int[]>
    {
        public static readonly VersionOrder Instance = new();

        public int Compare(int[]? x, int[]? y)
        {
            for (var i = 0; i < Math.Min(x!.Length, y!.Length); i++)
                if (x[i] != y[i])
                    return x[i].CompareTo(y[i]);
            return x.Length.CompareTo(y.Length);
        }
    }
}
