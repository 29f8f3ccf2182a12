using System.Diagnostics;
using MFuser.Edge.Core.Config;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Capture;

/// <summary>The capture thread: opens the source, reads frames into a <see cref="FrameSlot"/> as fast as the source
/// delivers them (bounded by <c>source.max_fps</c>), and reopens a failed or ended source with exponential back-off.
/// With <c>source.loop</c> a file that ended after delivering frames restarts at once; one that ended without a frame
/// (truncated, empty) is a failure like any other, so it cannot spin. A failure episode — the source failed, ended or
/// gave nothing — is logged as one warning when it starts and one line when the source is back, never per frame or
/// attempt. It never waits for the consumer.</summary>
public sealed class CaptureWorker : IDisposable
{
    private readonly SourceConfig _config;
    private readonly Func<IFrameSource> _open;
    private readonly FrameSlot _slot;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstFrame = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Thread? _thread;
    private long _nextId;
    private long _reopens;
    private long _opens;
    private volatile bool _connected;
    private volatile string? _lastError;
    private const string EndOfSource = "end of source";
    private const string EndedEmpty = "the source ended without delivering a frame (a truncated or empty file?)";

    public CaptureWorker(SourceConfig config, Func<IFrameSource> open, FrameSlot slot, ILogger logger)
    {
        _config = config;
        _open = open;
        _slot = slot;
        _logger = logger;
    }

    /// <summary>Frames captured so far (the next frame id).</summary>
    public long Captured => Interlocked.Read(ref _nextId);

    /// <summary>Times the source had to be reopened after a failure or its end.</summary>
    public long Reopens => Interlocked.Read(ref _reopens);

    /// <summary>Times the source was opened (or an open was attempted), restarts of a looping file included.</summary>
    public long Opens => Interlocked.Read(ref _opens);

    /// <summary>Whether the source is open and delivering.</summary>
    public bool Connected => _connected;

    /// <summary>The most recent open or read error, or null.</summary>
    public string? LastError => _lastError;

    /// <summary>Completes when the first frame has been published.</summary>
    public Task FirstFrame => _firstFrame.Task;

    public void Start()
    {
        _thread = new Thread(Run) { Name = "capture", IsBackground = true };
        _thread.Start();
    }

    private void Run()
    {
        var token = _stop.Token;
        var delay = _config.ReopenInitial;
        var failingSince = (DateTimeOffset?)null;
        var attempts = 0;
        while (!token.IsCancellationRequested)
        {
            IFrameSource? source = null;
            string? failure;
            var ended = false;
            var frames = 0L;
            try
            {
                Interlocked.Increment(ref _opens);
                source = _open();
                source.Open();
                _connected = true;
                var fps = (_config.MaxFps, source.PacingFps) switch
                {
                    ( > 0, > 0) => Math.Min(_config.MaxFps, source.PacingFps),
                    ( > 0, _) => _config.MaxFps,
                    _ => source.PacingFps,
                };
                var minInterval = fps > 0 ? Stopwatch.Frequency / fps : 0;
                failure = ReadUntilBroken(source, minInterval, token, out ended, out frames, onFirstFrame: () =>
                {
                    if (failingSince is { } since)
                        _logger.LogInformation("source {Source} is back after {Attempts} attempts ({Seconds:F1} s)",
                            _config.Uri, attempts, (DateTimeOffset.UtcNow - since).TotalSeconds);
                    failingSince = null;
                    attempts = 0;
                    delay = _config.ReopenInitial;
                });
            }
            catch (SourceException e)
            {
                failure = e.Message;
            }
            catch (Exception e)
            {
                // Whatever a source throws ends its episode; capture itself keeps going.
                failure = $"{e.GetType().Name}: {e.Message}";
            }
            finally
            {
                _connected = false;
                source?.Dispose();
            }
            if (token.IsCancellationRequested)
                break;
            if (ended && frames == 0)
                (ended, failure) = (false, EndedEmpty);
            if (ended && _config.Loop)
                continue;
            _lastError = failure;
            attempts++;
            Interlocked.Increment(ref _reopens);
            if (failingSince is null)
            {
                failingSince = DateTimeOffset.UtcNow;
                if (ended)
                    _logger.LogWarning("source {Source} ended; reopening with back-off up to {Max} s (source.loop restarts it at once)",
                        _config.Uri, _config.ReopenMax.TotalSeconds);
                else
                    _logger.LogWarning("source {Source} unavailable: {Error}; retrying with back-off up to {Max} s", _config.Uri, failure,
                        _config.ReopenMax.TotalSeconds);
            }
            token.WaitHandle.WaitOne(delay);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _config.ReopenMax.Ticks));
        }
        _slot.Complete();
    }

    /// <summary>Reads until the source ends, fails or capture stops; returns the failure text (null when stopped).</summary>
    private string? ReadUntilBroken(IFrameSource source, double minInterval, CancellationToken token, out bool ended, out long frames,
        Action onFirstFrame)
    {
        ended = false;
        frames = 0;
        var next = Stopwatch.GetTimestamp();
        while (!token.IsCancellationRequested)
        {
            if (minInterval > 0)
            {
                var wait = next - Stopwatch.GetTimestamp();
                if (wait > 0 && token.WaitHandle.WaitOne(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency)))
                    return null;
                next = Math.Max(next + (long)minInterval, Stopwatch.GetTimestamp() - (long)minInterval);
            }
            var buffer = _slot.WriteBuffer;
            switch (source.Read(buffer.Image))
            {
                case ReadResult.Frame:
                    buffer.Id = Interlocked.Increment(ref _nextId) - 1;
                    buffer.CapturedAt = DateTimeOffset.UtcNow;
                    buffer.Timestamp = Stopwatch.GetTimestamp();
                    _slot.Publish();
                    if (++frames == 1)
                    {
                        onFirstFrame();
                        _firstFrame.TrySetResult();
                    }
                    break;
                case ReadResult.End:
                    ended = true;
                    return EndOfSource;
                default:
                    return "read failed (stream lost or device gone)";
            }
        }
        return null;
    }

    /// <summary>Stops the capture thread and waits for it.</summary>
    public void Stop()
    {
        _stop.Cancel();
        _thread?.Join();
    }

    public void Dispose()
    {
        Stop();
        _stop.Dispose();
    }
}
