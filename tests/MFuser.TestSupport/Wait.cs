using System.Diagnostics;

namespace MFuser.TestSupport;

/// <summary>Polling for a condition that another thread or process makes true.</summary>
public static class Wait
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    /// <summary>Polls <paramref name="condition"/> until true; throws a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> after the timeout.</summary>
    public static void Until(Func<bool> condition, Func<string> what, TimeSpan? timeout = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > (timeout ?? Timeout))
                throw new TimeoutException($"timed out after {clock.Elapsed.TotalSeconds:F1} s waiting for: {what()}");
            Thread.Sleep(10);
        }
    }
}
