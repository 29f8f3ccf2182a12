using System.Runtime.InteropServices;

namespace MFuser.Edge.Startup;

/// <summary>
/// Returns the free memory that glibc's malloc keeps inside its arenas to the system, with <c>malloc_trim(0)</c> on a
/// timer. Over long runs the daemon's live native heap stays flat (heaptrack) while the arenas' resident pages creep
/// up: free chunks between live ones are kept resident, and only the top of an arena is ever given back on its own
/// (docs/performance.md §5). <c>malloc_trim</c> also releases whole free pages in the middle of every arena. It takes
/// a few milliseconds, on a thread-pool thread, never on the frame path. A no-op off glibc.
/// </summary>
internal sealed partial class NativeHeapTrimmer : IDisposable
{
    private readonly Timer? _timer;
    private long _trims;

    private NativeHeapTrimmer(TimeSpan interval) =>
        _timer = OperatingSystem.IsLinux() ? new Timer(_ => Trim(), null, interval, interval) : null;

    /// <summary>Trims every <paramref name="interval"/> until disposed.</summary>
    public static NativeHeapTrimmer Start(TimeSpan interval) => new(interval);

    /// <summary>Trims done so far.</summary>
    public long Trims => Interlocked.Read(ref _trims);

    /// <summary>One trim now; false off glibc.</summary>
    public bool Trim()
    {
        try
        {
            MallocTrim(0);
            Interlocked.Increment(ref _trims);
            return true;
        }
        catch (EntryPointNotFoundException)
        {
            _timer?.Dispose();  // musl and other C libraries have no malloc_trim
            return false;
        }
    }

    public void Dispose() => _timer?.Dispose();

    [LibraryImport("libc", EntryPoint = "malloc_trim")]
    private static partial int MallocTrim(nuint pad);
}
