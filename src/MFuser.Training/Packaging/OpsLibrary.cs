namespace MFuser.Training.Packaging;

/// <summary>Locates <c>libmfuser_ops.so</c>, the fused selective-scan operator that <c>model.onnx</c> needs
/// (built by <c>./build.sh native</c> into native/selective_scan/build/).</summary>
public static class OpsLibrary
{
    public const string EnvironmentVariable = "MFUSER_OPS_LIBRARY";
    private static readonly string RelativePath = Path.Combine("native", "selective_scan", "build", "libmfuser_ops.so");

    /// <summary>The given path, else <c>$MFUSER_OPS_LIBRARY</c>, else native/selective_scan/build/libmfuser_ops.so in
    /// the first repository root (MFuser.Edge.sln) above the working directory or the program.</summary>
    /// <exception cref="FileNotFoundException">The library is not where it was looked for; the message says how to build it.</exception>
    public static string Find(string? explicitPath = null)
    {
        var given = !string.IsNullOrEmpty(explicitPath) ? explicitPath : Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(given))
            return File.Exists(given) ? Path.GetFullPath(given)
                : throw new FileNotFoundException($"the selective-scan operator library {given} does not exist " +
                                                  $"(from {(explicitPath is null ? EnvironmentVariable : "--ops-library")})", given);
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (!File.Exists(Path.Combine(dir.FullName, "MFuser.Edge.sln"))) continue;
                var path = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(path)) return path;
                throw new FileNotFoundException($"the selective-scan operator library is missing at {path}: build it with `./build.sh native` " +
                                                $"(or pass --ops-library / set {EnvironmentVariable})", path);
            }
        throw new FileNotFoundException($"no {RelativePath} found: no repository root (MFuser.Edge.sln) above {Environment.CurrentDirectory} or " +
                                        $"{AppContext.BaseDirectory}; pass --ops-library or set {EnvironmentVariable}");
    }
}
