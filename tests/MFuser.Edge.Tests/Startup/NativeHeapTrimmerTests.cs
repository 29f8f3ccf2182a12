using MFuser.Edge.Startup;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Startup;

/// <summary><see cref="NativeHeapTrimmer"/> against this machine's glibc: <c>malloc_trim</c> is found and runs on its
/// timer. (What trimming does to RSS over a long run is measured by the memory benchmark.)</summary>
public class NativeHeapTrimmerTests
{
    [Fact]
    public void Trims_on_demand_and_on_its_timer_until_disposed()
    {
        using var trimmer = NativeHeapTrimmer.Start(TimeSpan.FromMilliseconds(50));
        Assert.True(trimmer.Trim(), "malloc_trim was not found in libc");
        Wait.Until(() => trimmer.Trims >= 3, () => $"{trimmer.Trims} trims");
        trimmer.Dispose();
        Thread.Sleep(200);  // a callback already running when the timer was disposed may still finish
        var after = trimmer.Trims;
        Thread.Sleep(300);
        Assert.Equal(after, trimmer.Trims);
    }
}
