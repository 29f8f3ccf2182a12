using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Capture.Tests;

/// <summary>Failure episodes of the capture worker: a source that ends or gives nothing backs off and is logged once.</summary>
public sealed class CaptureWorkerTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static SourceConfig Source(string uri, bool loop, TimeSpan initial, TimeSpan max)
    {
        Assert.True(SourceUri.TryParse(uri, out var s, out var problem), problem);
        return new SourceConfig(s, "auto", loop, 0, initial, max, TimeSpan.Zero);
    }

    /// <summary>A valid video cut a few bytes into its first Matroska cluster: headers, track description and the cluster
    /// start, no frame. It opens (the stream is described), then ends at once. Cut before the cluster, OpenCV refuses to
    /// open it, which is an ordinary open failure.</summary>
    private string HeaderOnly(string name)
    {
        var video = File.ReadAllBytes(TestVideo.Write(_dir.File("full-" + name), 20, 64, 48));
        var cluster = video.AsSpan().IndexOf(new byte[] { 0x1F, 0x43, 0xB6, 0x75 });
        Assert.True(cluster > 0, "no Matroska cluster in the test video");
        var path = _dir.File(name);
        File.WriteAllBytes(path, video[..(cluster + 16)]);
        return path;
    }

    [Fact]
    public async Task A_looping_file_that_ends_without_a_frame_backs_off_and_warns_once()
    {
        var config = Source($"file://{HeaderOnly("truncated.mkv")}", loop: true, TimeSpan.FromMilliseconds(20), TimeSpan.FromMilliseconds(80));
        var log = new RecordingLogger();
        using var slot = new FrameSlot();
        using var worker = new CaptureWorker(config, () => FrameSources.Create(config), slot, log);
        worker.Start();
        await WaitUntil(() => worker.Opens >= 6, TimeSpan.FromSeconds(60));
        worker.Stop();
        // Every open after the first followed a back-off wait: none was an immediate loop restart.
        Assert.True(worker.Reopens >= worker.Opens - 1, $"{worker.Opens} opens but only {worker.Reopens} back-offs");
        Assert.Equal(0, worker.Captured);
        var warning = Assert.Single(log.At(LogLevel.Warning));
        Assert.True(warning.Contains("ended without delivering a frame", StringComparison.Ordinal), warning);
        Assert.Contains("ended without delivering a frame", worker.LastError);
    }

    [Fact]
    public async Task A_file_that_ends_without_loop_logs_one_warning_for_the_outage()
    {
        var video = TestVideo.Write(_dir.File("short.mkv"), 5, 64, 48);
        var config = Source($"file://{video}", loop: false, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        var log = new RecordingLogger();
        using var slot = new FrameSlot();
        using var worker = new CaptureWorker(config, () => FrameSources.Create(config.Uri), slot, log);
        worker.Start();
        await WaitUntil(() => worker.Reopens >= 1, TimeSpan.FromSeconds(60));
        worker.Stop();
        Assert.Equal(5, worker.Captured);
        var warning = Assert.Single(log.At(LogLevel.Warning));
        Assert.Contains($"source file://{video} ended; reopening with back-off", warning);
    }

    [Fact]
    public async Task A_looping_file_with_frames_restarts_at_once_without_a_warning()
    {
        var video = TestVideo.Write(_dir.File("loop.mkv"), 3, 64, 48);
        var config = Source($"file://{video}", loop: true, TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(10));
        var log = new RecordingLogger();
        using var slot = new FrameSlot();
        using var worker = new CaptureWorker(config, () => FrameSources.Create(config.Uri), slot, log);
        worker.Start();
        await WaitUntil(() => worker.Captured >= 10, TimeSpan.FromSeconds(60));
        worker.Stop();
        Assert.Equal(0, worker.Reopens);
        Assert.True(worker.Opens >= 4, $"{worker.Opens} opens for {worker.Captured} frames of a 3-frame file");
        Assert.Empty(log.At(LogLevel.Warning));
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(20);
        }
    }

    public void Dispose() => _dir.Dispose();
}
