using System.Diagnostics;

namespace MFuser.Edge.Startup;

/// <summary>Calls <c>tick(elapsed)</c> every interval on a background thread until disposed: keeps systemd's start
/// timeout extended and shows progress while a phase of unknown length runs (a TensorRT engine build reports no
/// progress through ONNX Runtime, so elapsed time is all there is to show).</summary>
public sealed class Heartbeat : IDisposable
{
    private readonly ManualResetEventSlim _stop = new();
    private readonly Thread _thread;

    public Heartbeat(TimeSpan interval, Action<TimeSpan> tick)
    {
        var started = Stopwatch.GetTimestamp();
        _thread = new Thread(() =>
        {
            while (!_stop.Wait(interval))
                tick(Stopwatch.GetElapsedTime(started));
        }) { IsBackground = true, Name = "heartbeat" };
        _thread.Start();
    }

    /// <summary>Runs <paramref name="work"/> with a heartbeat around it.</summary>
    public static T Around<T>(TimeSpan interval, Action<TimeSpan> tick, Func<T> work)
    {
        using var heartbeat = new Heartbeat(interval, tick);
        return work();
    }

    /// <summary>Stops the ticks; no tick runs after this returns.</summary>
    public void Dispose()
    {
        _stop.Set();
        _thread.Join();
        _stop.Dispose();
    }
}
