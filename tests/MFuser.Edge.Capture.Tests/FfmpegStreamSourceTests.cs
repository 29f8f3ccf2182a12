using System.Diagnostics;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.TestSupport;
using OpenCvSharp;

namespace MFuser.Edge.Capture.Tests;

/// <summary>The ffmpeg child: its command line (bounded probing) and its environment (no secrets).</summary>
public sealed class FfmpegStreamSourceTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static SourceUri Uri(string text)
    {
        Assert.True(SourceUri.TryParse(text, out var uri, out var problem), problem);
        return uri;
    }

    [Fact]
    public void Rtsp_transport_follows_the_configuration()
    {
        var args = FfmpegStreamSource.Arguments(Uri("rtsp://cam/x"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500), "udp").ToList();
        Assert.Equal("udp", After(args, "-rtsp_transport"));
        Assert.True(args.IndexOf("-rtsp_transport") < args.IndexOf("-i"));
    }

    [Fact]
    public void Probing_is_bounded_by_the_configured_time_with_a_matching_size_and_no_input_buffering()
    {
        var args = FfmpegStreamSource.Arguments(Uri("rtsp://cam/x"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500)).ToList();
        Assert.Equal("500000", After(args, "-analyzeduration"));
        Assert.Equal("2000000", After(args, "-probesize"));
        Assert.Equal("nobuffer", After(args, "-fflags"));
        Assert.Equal("tcp", After(args, "-rtsp_transport"));
        Assert.Equal("5000000", After(args, "-timeout"));
        // Input options only count before the input.
        Assert.True(args.IndexOf("-analyzeduration") < args.IndexOf("-i") && args.IndexOf("-probesize") < args.IndexOf("-i"));
        Assert.Equal("rtsp://cam/x", After(args, "-i"));

        var small = FfmpegStreamSource.Arguments(Uri("http://cam/x.ts"), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(50)).ToList();
        Assert.Equal(("50000", "200000", "5000000"), (After(small, "-analyzeduration"), After(small, "-probesize"), After(small, "-rw_timeout")));
    }

    [Fact]
    public void The_probe_time_of_the_configuration_reaches_the_ffmpeg_source()
    {
        Assert.True(SourceUri.TryParse("rtsp://cam/x", out var uri, out _));
        var config = new SourceConfig(uri, "ffmpeg", false, 0, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1), TimeSpan.Zero)
            { Probe = TimeSpan.FromMilliseconds(250) };
        using var source = Assert.IsType<FfmpegStreamSource>(FrameSources.Create(config));
        Assert.Equal(TimeSpan.FromMilliseconds(250), source.Probe);
    }

    [Fact]
    public void The_child_environment_keeps_only_what_ffmpeg_needs()
    {
        var parent = new System.Collections.Hashtable
        {
            ["PATH"] = "/usr/bin", ["LANG"] = "C.UTF-8", ["http_proxy"] = "http://proxy:3128",
            ["MFUSER_BROKER_PASSWORD"] = "pw", ["MFUSER_BROKER_URL"] = "mqtt://b:1", ["AWS_SECRET_ACCESS_KEY"] = "k", ["HOME"] = "/root",
        };
        var child = FfmpegStreamSource.ChildEnvironment(parent);
        Assert.Equal(["LANG", "PATH", "http_proxy"], child.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task The_running_ffmpeg_child_does_not_see_the_broker_password()
    {
        const string secret = "do-not-leak-0xC0FFEE";
        var video = TestVideo.Write(_dir.File("served.mkv"), 50, 64, 48);
        var url = $"http://127.0.0.1:{FreePort.Next()}/live.ts";
        using var server = Process.Start(new ProcessStartInfo("ffmpeg",
            ["-loglevel", "error", "-re", "-stream_loop", "-1", "-i", video, "-c:v", "mpeg4", "-f", "mpegts", "-listen", "1", url])
        { UseShellExecute = false, RedirectStandardError = true })!;
        Environment.SetEnvironmentVariable("MFUSER_BROKER_PASSWORD", secret);
        try
        {
            using var source = await OpenWhenServed(() => new FfmpegStreamSource(Uri(url), TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(500)));
            using var frame = new Mat();
            Assert.Equal(ReadResult.Frame, source.Read(frame));
            var environ = await File.ReadAllTextAsync($"/proc/{source.ProcessId}/environ");
            Assert.DoesNotContain(secret, environ);
            Assert.DoesNotContain("MFUSER_", environ);
            Assert.Contains("PATH=", environ);
        }
        finally
        {
            Environment.SetEnvironmentVariable("MFUSER_BROKER_PASSWORD", null);
            server.Kill();
            await server.WaitForExitAsync();
        }
    }

    /// <summary>A source opened once the server listens (it needs a moment to start).</summary>
    private static async Task<FfmpegStreamSource> OpenWhenServed(Func<FfmpegStreamSource> create)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var source = create();
            try
            {
                source.Open();
                return source;
            }
            catch (SourceException) when (sw.Elapsed < TimeSpan.FromSeconds(30))
            {
                source.Dispose();
                await Task.Delay(200);
            }
        }
    }

    private static string After(List<string> args, string option) => args[args.IndexOf(option) + 1];

    public void Dispose() => _dir.Dispose();
}
