using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

/// <summary>
/// Loaded by the runtime before Main when DOTNET_STARTUP_HOOKS names this assembly (the class must be called
/// <c>StartupHook</c>, outside any namespace). When BENCH_ALLOCATION_PROBE_FILE is set it appends, every 250 ms from a
/// background thread, one line "unix_ms total_allocated_bytes gen0 gen1 gen2 heap_bytes" with
/// <see cref="GC.GetTotalAllocatedBytes(bool)"/> (precise), <see cref="GC.CollectionCount(int)"/> and
/// <see cref="GC.GetTotalMemory(bool)"/> (the managed heap in use, to tell managed from native growth of the RSS). A line is
/// formatted into a reused buffer, so the probe itself allocates nothing per sample.
/// When BENCH_ALLOCATION_PROBE_SITES is set as well it also listens to the runtime's GC AllocationTick events (one
/// per ~100 KB allocated, naming the type of the object that crossed the threshold and the thread that allocated it),
/// from BENCH_ALLOCATION_PROBE_SITES_AFTER_S seconds after start (past start-up and warm-up), and at process exit
/// writes that file with one line per (thread, type): "ticks bytes thread type", thread being the OS thread name
/// from /proc with spaces as '_' (e.g. "capture", ".NET_Long_Runni" for the inference loop, ".NET_TP_Worker" for
/// async code such as the MQTT client and the embedded broker). It is a sample proportional to what each thread
/// and type allocates: it says where to look, the totals come from the first file. Its own cost (an event object
/// per tick, ~1 % of the allocation) lands on the allocating threads.
/// </summary>
internal static class StartupHook
{
    public const string FileVariable = "BENCH_ALLOCATION_PROBE_FILE";
    public const string SitesVariable = "BENCH_ALLOCATION_PROBE_SITES";
    public const string SitesAfterVariable = "BENCH_ALLOCATION_PROBE_SITES_AFTER_S";

    public static void Initialize()
    {
        var path = Environment.GetEnvironmentVariable(FileVariable);
        if (string.IsNullOrEmpty(path)) return;
        var sites = Environment.GetEnvironmentVariable(SitesVariable);
        var thread = new Thread(() => Sample(path, string.IsNullOrEmpty(sites) ? null : sites)) { IsBackground = true,
            Name = "mfuser-bench allocation probe" };
        thread.Start();
    }

    private static void Sample(string path, string? sitesPath)
    {
        using var writer = new StreamWriter(path, append: false) { AutoFlush = true };
        var sitesAfter = double.TryParse(Environment.GetEnvironmentVariable(SitesAfterVariable), CultureInfo.InvariantCulture, out var s) ? s : 0;
        var started = DateTime.UtcNow;
        AllocationTicks? ticks = null;
        var line = new char[128];
        while (true)
        {
            if (sitesPath is not null && ticks is null && (DateTime.UtcNow - started).TotalSeconds >= sitesAfter)
            {
                var listener = ticks = new AllocationTicks();
                AppDomain.CurrentDomain.ProcessExit += (_, _) => File.WriteAllLines(sitesPath, listener.Snapshot());
            }
            var n = 0;
            Append(line, ref n, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            Append(line, ref n, GC.GetTotalAllocatedBytes(true));
            Append(line, ref n, GC.CollectionCount(0));
            Append(line, ref n, GC.CollectionCount(1));
            Append(line, ref n, GC.CollectionCount(2));
            Append(line, ref n, GC.GetTotalMemory(false));
            line[n - 1] = '\n';
            writer.Write(line.AsSpan(0, n));
            Thread.Sleep(250);
        }
    }

    /// <summary>Writes <paramref name="value"/> and a space at <paramref name="n"/>.</summary>
    private static void Append(char[] line, ref int n, long value)
    {
        value.TryFormat(line.AsSpan(n), out var written, default, CultureInfo.InvariantCulture);
        n += written;
        line[n++] = ' ';
    }

    /// <summary>GCAllocationTick (event 10 of Microsoft-Windows-DotNETRuntime, GC keyword, verbose) counted per
    /// allocating thread and type.</summary>
    private sealed class AllocationTicks : EventListener
    {
        private readonly ConcurrentDictionary<(string Thread, string Type), (long Ticks, long Bytes)> _counts = new();
        private readonly ConcurrentDictionary<long, string> _threadNames = new();

        protected override void OnEventSourceCreated(EventSource source)
        {
            if (source.Name == "Microsoft-Windows-DotNETRuntime")
                EnableEvents(source, EventLevel.Verbose, (EventKeywords)0x1);
        }

        protected override void OnEventWritten(EventWrittenEventArgs e)
        {
            if (e.EventId != 10 || e.Payload is null || e.PayloadNames is null) return;
            var type = e.PayloadNames.IndexOf("TypeName") is var t and >= 0 ? e.Payload[t] as string ?? "?" : "?";
            var bytes = e.PayloadNames.IndexOf("AllocationAmount64") is var b and >= 0
                ? Convert.ToInt64(e.Payload[b], CultureInfo.InvariantCulture) : 0;
            var thread = _threadNames.GetOrAdd(e.OSThreadId, ThreadName);
            _counts.AddOrUpdate((thread, type), (1, bytes), (_, c) => (c.Ticks + 1, c.Bytes + bytes));
        }

        private static string ThreadName(long tid)
        {
            try { return File.ReadAllText($"/proc/self/task/{tid}/comm").Trim().Replace(' ', '_'); }
            catch (IOException) { return $"tid_{tid}"; }
        }

        public IEnumerable<string> Snapshot() => _counts.ToArray().OrderByDescending(kv => kv.Value.Bytes)
            .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Value.Ticks} {kv.Value.Bytes} {kv.Key.Thread} {kv.Key.Type}"));
    }
}
