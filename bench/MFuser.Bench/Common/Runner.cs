using System.Diagnostics;
using System.Runtime.InteropServices;

namespace MFuser.Bench;

/// <summary>Timing discipline shared by the benchmarks: warm-up, then repeated timed runs, reporting the median
/// and the spread of the wall-clock rate, the rate per second of this thread's CPU time (what the work costs
/// when the machine is shared and the thread is descheduled), and the managed bytes allocated per operation
/// on the measuring thread.</summary>
public static partial class Runner
{
    public sealed record Measurement(double MedianPerSecond, double MinPerSecond, double MaxPerSecond,
        double MedianMilliseconds, double MedianPerCpuSecond, double AllocatedBytesPerOperation, int Repeats,
        int OperationsPerRepeat);

    public static Measurement Measure(Action<int> operation, int warmup, int repeats, int operationsPerRepeat)
    {
        var counter = 0;
        for (var i = 0; i < warmup; i++) operation(counter++);
        var rates = new double[repeats];
        var cpuRates = new double[repeats];
        long allocated = 0;
        for (var r = 0; r < repeats; r++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var cpu = ThreadCpuSeconds();
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < operationsPerRepeat; i++) operation(counter++);
            watch.Stop();
            cpuRates[r] = operationsPerRepeat / (ThreadCpuSeconds() - cpu);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            rates[r] = operationsPerRepeat / watch.Elapsed.TotalSeconds;
        }
        Array.Sort(rates);
        var median = Median(rates);
        return new Measurement(median, rates[0], rates[^1], 1000 / median, Median(cpuRates),
            (double)allocated / (repeats * operationsPerRepeat), repeats, operationsPerRepeat);
    }

    /// <summary>Nanoseconds per element of a fixed, trivial per-pixel loop (a hash, a few multiply-adds, three
    /// clamped byte stores over 512×256 pixels), best of 50 runs. On an idle modern core it takes about 1 ns; a
    /// much larger figure means the machine was busy and the wall-clock rates above understate it by about that
    /// factor.</summary>
    public static double ReferenceLoopNanoseconds()
    {
        const int n = 512 * 256;
        var src = new float[n * 3];
        var dst = new byte[n * 3];
        for (var i = 0; i < src.Length; i++) src[i] = i % 97 / 97f;
        var best = double.MaxValue;
        for (var rep = 0; rep < 50; rep++)
        {
            var watch = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                var h = (uint)i * 0x8DA6B343u;
                h ^= h >> 15; h *= 0x2C1B3C6Du; h ^= h >> 12;
                var noise = (h & 1023) * 1e-5f;
                var k = i * 3;
                dst[k] = (byte)Math.Clamp((int)((src[k] * 0.9f + src[k + 1] * 0.05f + noise) * 255), 0, 255);
                dst[k + 1] = (byte)Math.Clamp((int)((src[k + 1] * 0.9f + noise) * 255), 0, 255);
                dst[k + 2] = (byte)Math.Clamp((int)((src[k + 2] * 0.9f + noise) * 255), 0, 255);
            }
            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / n);
        }
        return best;
    }

    private static double Median(double[] values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }

    private struct TimeSpec { public long Seconds, Nanoseconds; }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out TimeSpec time);

    /// <summary>CPU time consumed by the calling thread (Linux CLOCK_THREAD_CPUTIME_ID).</summary>
    public static double ThreadCpuSeconds()
    {
        const int threadCpuClock = 3;
        return ClockGetTime(threadCpuClock, out var t) == 0 ? t.Seconds + t.Nanoseconds * 1e-9
            : throw new InvalidOperationException("clock_gettime(CLOCK_THREAD_CPUTIME_ID) failed");
    }
}
