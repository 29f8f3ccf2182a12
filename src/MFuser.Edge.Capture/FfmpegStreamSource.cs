using System.Diagnostics;
using System.Globalization;
using MFuser.Edge.Core.Config;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>Network streams (<c>rtsp://</c>, <c>rtsps://</c>, <c>http(s)://</c>) decoded by an <c>ffmpeg</c> child
/// process that writes raw BGR frames to a pipe. Used because the x64 OpenCvSharp NuGet native's FFmpeg has no
/// network protocols. The frame size is taken from ffmpeg's description of the input when it opens; a size change or a broken stream
/// ends the episode and the capture worker reopens it. The child process is ended by its id on dispose.
/// Stream probing is bounded by <paramref name="probe"/> (<c>source.probe_ms</c>): ffmpeg's default analyses 5 s of
/// stream before the first frame, most of a reconnect's time. The child gets a scrubbed environment
/// (<see cref="ChildEnvironment"/>): no <c>MFUSER_*</c> secret reaches it.</summary>
public sealed partial class FfmpegStreamSource(SourceUri uri, TimeSpan timeout, TimeSpan probe, string rtspTransport = "tcp") : IFrameSource
{
    /// <summary>Variables the child keeps: what ffmpeg and the C library need to find libraries, proxies,
    /// certificates, locale and time zone. Everything else — the daemon's configuration and its secrets — is dropped.</summary>
    private static readonly string[] KeptVariables =
    [
        "PATH", "LD_LIBRARY_PATH", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR",
        "http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "SSL_CERT_FILE", "SSL_CERT_DIR",
    ];

    private Process? _ffmpeg;
    private Stream? _frames;
    private int _width, _height;

    /// <summary>How long ffmpeg may analyse the stream (<c>source.probe_ms</c>).</summary>
    internal TimeSpan Probe => probe;

    /// <summary>The ffmpeg child's process id while it runs.</summary>
    internal int? ProcessId => _ffmpeg?.Id;

    /// <summary>Whether <c>ffmpeg</c> is on PATH.</summary>
    public static bool Available { get; } = OnPath("ffmpeg");

    /// <summary>The ffmpeg command line: bounded probing, low-latency input (<c>-fflags nobuffer</c>: no input buffering
    /// beyond what probing needs), RTSP over <paramref name="rtspTransport"/> (tcp or udp), open/read timeouts, raw BGR on stdout.</summary>
    internal static IReadOnlyList<string> Arguments(SourceUri uri, TimeSpan timeout, TimeSpan probe, string rtspTransport = "tcp")
    {
        static string Invariant(long v) => v.ToString(CultureInfo.InvariantCulture);
        var micros = Invariant((long)timeout.TotalMicroseconds);
        // -probesize to match -analyzeduration: what a 32 Mbit/s stream delivers in that time (never below 32 KiB).
        var probeBytes = Math.Max(32 * 1024, (long)(probe.TotalSeconds * 4_000_000));
        List<string> args = ["-hide_banner", "-nostats", "-loglevel", "info", "-nostdin",
            "-analyzeduration", Invariant((long)probe.TotalMicroseconds), "-probesize", Invariant(probeBytes), "-fflags", "nobuffer"];
        if (uri.Target.StartsWith("rtsp", StringComparison.OrdinalIgnoreCase))
            args.AddRange(["-rtsp_transport", rtspTransport, "-timeout", micros]);
        else
            args.AddRange(["-rw_timeout", micros]);
        args.AddRange(["-i", uri.Target, "-an", "-f", "rawvideo", "-pix_fmt", "bgr24", "-"]);
        return args;
    }

    /// <summary>The child's environment: the <see cref="KeptVariables"/> that are set, nothing else.</summary>
    internal static IReadOnlyDictionary<string, string> ChildEnvironment(System.Collections.IDictionary parent)
    {
        var kept = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in KeptVariables)
            if (parent[name] is string value)
                kept[name] = value;
        return kept;
    }

    public void Open()
    {
        var psi = new ProcessStartInfo("ffmpeg", Arguments(uri, timeout, probe, rtspTransport))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment.Clear();
        foreach (var (name, value) in ChildEnvironment(Environment.GetEnvironmentVariables()))
            psi.Environment[name] = value;
        // The size comes from ffmpeg's own description of the input stream, so the stream is opened only once.
        var size = new TaskCompletionSource<(int, int)>(TaskCreationOptions.RunContinuationsAsynchronously);
        var lastLine = "";
        var ffmpeg = Process.Start(psi) ?? throw new SourceException("ffmpeg did not start");
        ffmpeg.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                size.TrySetException(new SourceException($"cannot open stream {uri}: {Secrets.RedactUrls(lastLine)}"));
                return;
            }
            lastLine = e.Data.Trim();
            if (!size.Task.IsCompleted && lastLine.StartsWith("Stream #0:", StringComparison.Ordinal) && lastLine.Contains(" Video: ")
                && VideoSize().Match(lastLine) is { Success: true } m)
                size.TrySetResult((int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                    int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture)));
        };
        ffmpeg.BeginErrorReadLine();
        _ffmpeg = ffmpeg;
        if (!((IAsyncResult)size.Task).AsyncWaitHandle.WaitOne(timeout + TimeSpan.FromSeconds(2)))
            throw new SourceException($"cannot open stream {uri}: no video stream described within {timeout.TotalSeconds:F0} s");
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
