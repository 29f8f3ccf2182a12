using System.Globalization;

/// <summary>
/// Loaded by the runtime before Main when DOTNET_STARTUP_HOOKS names this assembly (the class must be called
/// <c>StartupHook</c>, outside any namespace). When BENCH_ALLOCATION_PROBE_FILE is set it appends, every 250 ms from a
/// background thread, one line "unix_ms total_allocated_bytes gen0 gen1 gen2" with
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> (precise) and <see cref="GC.CollectionCount(int)"/>. The probe's own
/// allocation per line (a formatted string) is counted too, about 100 bytes per sample.
/// </summary>
internal static class StartupHook
{
    public const string FileVariable = "BENCH_ALLOCATION_PROBE_FILE";

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(path)) return;
        var thread = new Thread(() => Sample(path)) { IsBackground = true, Name = "mfuser-bench allocation probe" };
        thread.Start();
    }

    private static void Sample(string path)
    {
        using var writer = new StreamWriter(path, append: false) { AutoFlush = true };
        while (true)
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()} {GC.GetTotalAllocatedBytes(true)} {GC.CollectionCount(0)} {GC.CollectionCount(1)} {GC.CollectionCount(2)}"));
            Thread.Sleep(250);
        }
    }
}
