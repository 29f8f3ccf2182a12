using System.Diagnostics;
using System.Globalization;
using MFuser.Edge.Core.Config;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>Network streams (<c>rtsp://</c>, <c>rtsps://</c>, <c>http(s)://</c>) decoded by an <c>ffmpeg</c> child
/// process that writes raw BGR frames to a pipe. Used because the x64 OpenCvSharp NuGet native's FFmpeg has no
/// network protocols. The frame size is taken from ffmpeg's description of the input when it opens; a size change or a broken stream
/// ends the episode and the capture worker reopens it. The child process is ended by its id on dispose.</summary>
public sealed partial class FfmpegStreamSource(SourceUri uri, TimeSpan timeout) : IFrameSource
{
    private Process? _ffmpeg;
    private Stream? _frames;
    private int _width, _height;

    /// <summary>Whether <c>ffmpeg</c> is on PATH.</summary>
    public static bool Available { get; } = OnPath("ffmpeg");

    public void Open()
    {
        var micros = ((long)timeout.TotalMicroseconds).ToString(CultureInfo.InvariantCulture);
        List<string> input = uri.Target.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase)
            ? ["-rtsp_transport", "tcp", "-timeout", micros, "-i", uri.Target]
            : ["-rw_timeout", micros, "-i", uri.Target];
        var psi = new ProcessStartInfo("ffmpeg", ["-hide_banner", "-nostats", "-loglevel", "info", "-nostdin", .. input, "-an", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // The size comes from ffmpeg's own description of the input stream, so the stream is opened only once.
        var size = new TaskCompletionSource<(int, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastLine = "";
        var ffmpeg = Process.Start(psi) ?? throw new SourceException("ffmpeg did not start");
        ffmpeg.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                size.TrySetException(new SourceException($"cannot open stream {uri.Target}: {lastLine}"));
                return;
            }
            lastLine = e.Data.Trim();
            if (!size.Task.IsCompleted && lastLine.StartsWith("Stream #0:", StringComparison.Ordinal) && lastLine.Contains(" Video: ")
                && VideoSize().Match(lastLine) is { Success: true } m)
                size.TrySetResult((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
        };
        ffmpeg.BeginErrorReadLine();
        _ffmpeg = ffmpeg;
        if (!((IAsyncResult)size.Task).AsyncWaitHandle.WaitOne(timeout + TimeSpan.FromSeconds(2)))
            throw new SourceException($"cannot open stream {uri.Target}: no video stream described within {timeout.TotalSeconds:F0} s");
        if (size.Task.Exception?.InnerException is { } failure)
            throw failure;
        (_width, _height) = size.Task.Result;
        _frames = ffmpeg.StandardOutput.BaseStream;
    }

    [System.Text.RegularExpressions.GeneratedRegex(@", (\d{2,5})x(\d{2,5})[ ,\[]")]
    private static partial System.Text.RegularExpressions.Regex VideoSize();

    public unsafe ReadResult Read(Mat into)
    {
        var frames = _frames ?? throw new InvalidOperationException("source not open");
        into.Create(_height, _width, MatType.CV_8UC3);
        try
        {
            frames.ReadExactly(new Span<byte>((void*)into.Data, _width * _height * 3));
            return ReadResult.Frame;
        }
        catch (EndOfStreamException)
        {
            return ReadResult.Failed;
        }
    }

    private static bool OnPath(string exe) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Any(d => d.Length > 0 && File.Exists(Path.Combine(d, exe)));

    public void Dispose()
    {
        if (_ffmpeg is { HasExited: false })
        {
            _ffmpeg.Kill();
            _ffmpeg.WaitForExit(2000);
        }
        _ffmpeg?.Dispose();
    }
}
