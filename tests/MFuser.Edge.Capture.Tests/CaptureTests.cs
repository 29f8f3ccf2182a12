using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Capture.Tests;

public sealed class CaptureTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static SourceConfig Source(string uri, bool loop = false)
    {
        Assert.True(SourceUri.TryParse(uri, out var s, out var problem), problem);
        return new SourceConfig(s, "auto", loop, 0, TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(400), TimeSpan.Zero);
    }

    [Fact]
    public void Slot_hands_over_the_newest_frame_and_counts_the_ones_never_taken()
    {
        using var slot = new FrameSlot();
        for (var i = 0; i < 5; i++)
        {
            slot.WriteBuffer.Id = i;
            slot.Publish();
        }
        Assert.Equal(4, slot.Take(TimeSpan.Zero)!.Id);
        Assert.Equal(4, slot.Dropped);
        Assert.Null(slot.Take(TimeSpan.FromMilliseconds(10)));
        slot.WriteBuffer.Id = 5;
        slot.Publish();
        var taken = slot.Take(TimeSpan.Zero)!;
        slot.WriteBuffer.Id = 6; // the producer writes on while the consumer holds frame 5
        slot.Publish();
        Assert.Equal(5, taken.Id);
        Assert.Equal(6, slot.Take(TimeSpan.Zero)!.Id);
        Assert.Equal(4, slot.Dropped);
    }

    [Fact]
    public async Task File_source_is_reopened_when_it_ends_and_ids_keep_counting()
    {
        var video = TestVideo.Write(_dir.File("short.mkv"), 5, 64, 48);
        using var slot = new FrameSlot();
        using var worker = new CaptureWorker(Source($"file://{video}"), () => FrameSources.Create(Source($"file://{video}").Uri), slot,
            NullLogger.Instance);
        worker.Start();
        await WaitUntil(() => worker.Captured >= 12, TimeSpan.FromSeconds(20));
        Assert.True(worker.Reopens >= 2);
        var frame = slot.Take(TimeSpan.FromSeconds(1))!;
        Assert.Equal((64, 48), (frame.Image.Width, frame.Image.Height));
        Assert.True(frame.Id >= 5, $"frame id {frame.Id} should count across reopenings");
    }

    [Fact]
    public async Task Image_folder_source_reads_images_in_name_order()
    {
        var folder = Directory.CreateDirectory(_dir.File("frames")).FullName;
        for (var i = 0; i < 3; i++)
        {
            using var m = new OpenCvSharp.Mat(16, 16, OpenCvSharp.MatType.CV_8UC3, OpenCvSharp.Scalar.All(i * 50));
            OpenCvSharp.Cv2.ImWrite(Path.Combine(folder, $"f{i}.png"), m);
        }
        await File.WriteAllTextAsync(Path.Combine(folder, "f9.png"), "not an image");
        // A valid PNG header that claims 100000 x 100000 pixels (OpenCV throws rather than decode it) and a FIFO, whose
        // read would block: skipped like any undecodable file, not the end of the source.
        await File.WriteAllBytesAsync(Path.Combine(folder, "f4.png"), PngHeaderClaiming(100_000, 100_000));
        Fifo.Create(Path.Combine(folder, "f5.png"));
        using var source = new ImageFolderSource(folder);
        source.Open();
        using var into = new OpenCvSharp.Mat();
        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(ReadResult.Frame, source.Read(into));
            Assert.Equal(i * 50, into.At<OpenCvSharp.Vec3b>(0, 0).Item0);
        }
        Assert.Equal(ReadResult.End, source.Read(into));
        Assert.Equal(3, source.Skipped);
    }

    /// <summary>The PNG signature and an IHDR chunk (8-bit RGB) with a correct CRC, and nothing after it.</summary>
    private static byte[] PngHeaderClaiming(int width, int height)
    {
        var ihdr = new byte[17];
        "IHDR"u8.CopyTo(ihdr);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), width);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(8), height);
        ihdr[12] = 8; // bit depth
        ihdr[13] = 2; // colour type RGB
        var crc = 0xFFFFFFFFu;
        foreach (var b in ihdr)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
        }
        var png = new byte[8 + 4 + 17 + 4];
        new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }.CopyTo(png, 0);
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(png.AsSpan(8), 13);
        ihdr.CopyTo(png, 12);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(png.AsSpan(29), ~crc);
        return png;
    }

    [Fact]
    public async Task Network_stream_served_by_ffmpeg_delivers_frames_after_back_off()
    {
        var video = TestVideo.Write(_dir.File("served.mkv"), 50, 160, 96);
        var url = $"http://127.0.0.1:{FreePort.Next()}/live.ts";
        var config = Source(url);
        using var slot = new FrameSlot();
        using var worker = new CaptureWorker(config, () => FrameSources.Create(config.Uri, "ffmpeg"), slot, NullLogger.Instance);
        worker.Start(); // before the server: the first attempts fail and are retried with back-off
        await WaitUntil(() => worker.Reopens >= 1, TimeSpan.FromSeconds(15));
        using var server = Process.Start(new ProcessStartInfo("ffmpeg",
            ["-loglevel", "error", "-re", "-stream_loop", "-1", "-i", video, "-c:v", "mpeg4", "-q:v", "2", "-f", "mpegts", "-listen", "1", url])
        { UseShellExecute = false, RedirectStandardError = true })!;
        try
        {
            await WaitUntil(() => worker.Captured >= 10, TimeSpan.FromSeconds(30));
            var frame = slot.Take(TimeSpan.FromSeconds(1))!;
            Assert.Equal((160, 96), (frame.Image.Width, frame.Image.Height));
            var sky = frame.Image.At<OpenCvSharp.Vec3b>(5, 80); // (230, 200, 150) BGR, within the codec's error
            Assert.InRange(sky.Item0, 215, 245);
            Assert.InRange(sky.Item2, 135, 165);
        }
        finally
        {
            worker.Stop();
            server.Kill();
            server.WaitForExit();
        }
    }

    private static async Task WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var sw = Stopwatch.StartNew();
        while (!condition())
        {
            if (sw.Elapsed > timeout)
                throw new TimeoutException($"condition not met within {timeout.TotalSeconds} s");
            await Task.Delay(50);
        }
    }

    public void Dispose() => _dir.Dispose();
}
