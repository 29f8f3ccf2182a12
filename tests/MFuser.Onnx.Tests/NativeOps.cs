namespace MFuser.Onnx.Tests;

/// <summary>
/// Locates the selective-scan operator library (native/selective_scan, built by <c>build.sh native</c> before the
/// tests). Tests that need it fail, not skip, when it is missing: CI builds it first.
/// </summary>
internal static class NativeOps
{
    public const string EnvironmentVariable = "MFUSER_OPS_LIBRARY";

    public static string LibraryPath()
    {
        var fromEnv = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnv))
            return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv)
                : throw new FileNotFoundException($"{EnvironmentVariable}={fromEnv} does not exist");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (!File.Exists(Path.Combine(dir.FullName, "MFuser.Edge.sln"))) continue;
            var path = Path.Combine(dir.FullName, "native", "selective_scan", "build", "libmfuser_ops.so");
            return File.Exists(path) ? path
                : throw new FileNotFoundException(
                    $"the selective-scan operator library is missing at {path}: build it first with `./build.sh native` " +
                    $"(or point {EnvironmentVariable} at a built libmfuser_ops.so)");
        }
        throw new DirectoryNotFoundException($"no repository root (MFuser.Edge.sln) above {AppContext.BaseDirectory}");
    }
}
