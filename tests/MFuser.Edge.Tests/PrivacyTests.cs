using MFuser.TestSupport;

namespace MFuser.Edge.Tests;

/// <summary>A plain run writes nothing anywhere the configuration did not name: no ONNX Runtime telemetry store
/// (~/.cache/Microsoft/DeveloperTools/.onnxruntime), no .NET or OpenCV markers, nothing in the working directory
/// or the temporary folder (docs/deploy.md, Privacy).</summary>
public sealed class PrivacyTests : IDisposable
{
    private readonly TempDir _root = new();

    [Fact]
    public async Task A_run_writes_only_into_the_configured_directories()
    {
        string Dir(string name) => Directory.CreateDirectory(_root.File(name)).FullName;
        var home = Dir("home");
        var cwd = Dir("cwd");
        var tmp = Dir("tmp");
        var configured = Dir("configured");
        var env = new Dictionary<string, string>
        {
            ["HOME"] = home, ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"), ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
            ["XDG_DATA_HOME"] = Path.Combine(home, ".local/share"), ["XDG_STATE_HOME"] = Path.Combine(home, ".local/state"),
            ["XDG_RUNTIME_DIR"] = Dir("runtime"), ["TMPDIR"] = tmp,
            // build.sh exports ORT_DISABLE_TELEMETRY=1 for the tools; the daemon must turn telemetry off by itself.
            ["ORT_DISABLE_TELEMETRY"] = "0",
            ["MFUSER_INFERENCE_PROVIDERS"] = "cpu", ["MFUSER_BROKER_EMBEDDED_PORT"] = FreePort.Next().ToString(),
            ["MFUSER_SPOOL_DIR"] = Path.Combine(configured, "spool"), ["MFUSER_FIELD_LOG_DIR"] = Path.Combine(configured, "fieldlogs"),
            ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = Path.Combine(configured, "reference.json"),
        };
        var before = Snapshot(_root.Path);

        var p = await EdgeProcess.RunAsync(["run", "--model", RepoPaths.FixturePackage, "--max-frames", "5"], env, timeoutS: 120,
            workingDirectory: cwd);

        Assert.True(p.ExitCode == 0, p.ToString());
        var written = Snapshot(_root.Path).Except(before).Where(f => !f.StartsWith(configured + "/", StringComparison.Ordinal)).ToList();
        Assert.True(written.Count == 0, "written outside the configured directories:\n" + string.Join("\n", written));
        Assert.True(Directory.Exists(Path.Combine(configured, "spool")), "the spool directory the configuration named was created");
    }

    /// <summary>Every file and directory under <paramref name="root"/> with its size and time, so a rewrite shows too.</summary>
    private static HashSet<string> Snapshot(string root) =>
        new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(i => i is FileInfo f ? $"{f.FullName} ({f.Length} B, {f.LastWriteTimeUtc:O})" : i.FullName + "/")
            .ToHashSet();

    public void Dispose() => _root.Dispose();
}
