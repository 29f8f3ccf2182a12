using Microsoft.ML.OnnxRuntime;

namespace MFuser.Bench;

/// <summary>ONNX Runtime sessions as the benchmarks create them: CPU provider, a fixed intra-op thread count,
/// sequential execution, full graph optimisation, and the selective-scan library registered when asked.</summary>
public static class OrtSessions
{
    public const string LibraryVariable = "MFUSER_OPS_LIBRARY";

    public static InferenceSession Create(byte[] model, int threads, bool customOps, string? profilePrefix = null)
    {
        using var options = Options(threads, customOps, profilePrefix);
        return new InferenceSession(model, options);
    }

    public static InferenceSession Create(string modelPath, int threads, bool customOps, string? profilePrefix = null)
    {
        using var options = Options(threads, customOps, profilePrefix);
        return new InferenceSession(modelPath, options);
    }

    private static SessionOptions Options(int threads, bool customOps, string? profilePrefix)
    {
        var options = new SessionOptions
        {
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // With one intra-op thread ORT runs every kernel on the calling thread, so its thread CPU time is the work.
        if (threads == 1) options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (customOps) options.RegisterCustomOpLibrary(OpsLibrary());
        if (profilePrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = profilePrefix;
        }
        return options;
    }

    /// <summary>native/selective_scan/build/libmfuser_ops.so (built by <c>./build.sh native</c>), or $MFUSER_OPS_LIBRARY.</summary>
    public static string OpsLibrary()
    {
        var fromEnv = Environment.GetEnvironmentVariable(LibraryVariable);
        if (!string.IsNullOrEmpty(fromEnv))
            return File.Exists(fromEnv) ? Path.GetFullPath(fromEnv) : throw new FileNotFoundException($"{LibraryVariable}={fromEnv} does not exist");
        var path = Path.Combine(Repository.Root, "native", "selective_scan", "build", "libmfuser_ops.so");
        return File.Exists(path) ? path
            : throw new FileNotFoundException($"the selective-scan operator library is missing at {path}: run `./build.sh native` first (or " +
                                              $"set {LibraryVariable})");
    }
}

/// <summary>Paths inside the repository, found by walking up to MFuser.Edge.sln from the working directory, then
/// from the executable.</summary>
public static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "MFuser.Edge.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException($"no repository root (MFuser.Edge.sln) above {Environment.CurrentDirectory} " +
                                             $"or {AppContext.BaseDirectory}");
    }
}
