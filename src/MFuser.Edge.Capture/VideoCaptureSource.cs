using MFuser.Edge.Core.Config;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>Files, network streams, V4L2 devices and GStreamer pipelines through OpenCV's VideoCapture.
/// Backends: FFmpeg for files and streams, V4L2 for devices, GStreamer for <c>gst:</c> pipelines.
/// The x64 OpenCvSharp NuGet native is built without GStreamer, so <c>gst:</c> fails there with a message saying so;
/// on a Jetson, build libOpenCvSharpExtern against JetPack's OpenCV (which has GStreamer) — see docs/configuration.md.
/// The same x64 native's bundled FFmpeg has no network protocols (no tcp/rtsp/http), so rtsp:// and http:// streams
/// only open with an OpenCV built against a full FFmpeg or GStreamer (a Jetson's, or a self-built native).</summary>
public sealed class VideoCaptureSource(SourceUri uri, TimeSpan streamTimeout) : IFrameSource
{
    // cv::CAP_PROP_OPEN_TIMEOUT_MSEC / CAP_PROP_READ_TIMEOUT_MSEC (FFmpeg backend).
    private const int OpenTimeoutMsec = 53;
    private const int ReadTimeoutMsec = 54;

    private VideoCapture? _capture;

    public void Open()
    {
        var api = uri.Kind switch
        {
            SourceKind.File or SourceKind.Stream => VideoCaptureAPIs.FFMPEG,
            SourceKind.V4l2 => VideoCaptureAPIs.V4L2,
            SourceKind.GStreamer => VideoCaptureAPIs.GSTREAMER,
            _ => throw new ArgumentOutOfRangeException(nameof(uri), uri.Kind, "not an OpenCV VideoCapture source"),
        };
        if (uri.Kind == SourceKind.GStreamer && !OpenCvBuild.HasGStreamer)
            throw new SourceException("this OpenCV build has no GStreamer backend (the x64 NuGet native lacks it); on a Jetson use an OpenCvSharp " +
                                      "native built against JetPack's OpenCV");
        if (uri.Kind == SourceKind.File && !File.Exists(uri.Target))
            throw new SourceException($"no such file: {uri.Target}");
        if (uri.Kind == SourceKind.V4l2 && !File.Exists(uri.Target))
            throw new SourceException($"no such device: {uri.Target}");

        var ms = (int)streamTimeout.TotalMilliseconds;
        var capture = uri.Kind switch
        {
            SourceKind.Stream => new VideoCapture(uri.Target, api, [OpenTimeoutMsec, ms, ReadTimeoutMsec, ms]),
            SourceKind.V4l2 when uri.DeviceIndex >= 0 => new VideoCapture(uri.DeviceIndex, api),
            _ => new VideoCapture(uri.Target, api),
        };
        if (!capture.IsOpened())
        {
            capture.Dispose();
            throw new SourceException(uri.Kind switch
            {
                SourceKind.Stream => $"cannot open stream {uri} (unreachable, refused or not a video stream; note that the x64 "
                    + "OpenCvSharp NuGet native's FFmpeg has no network protocols, see docs/configuration.md)",
                SourceKind.File => $"cannot decode video file {uri.Target}",
                SourceKind.V4l2 => $"cannot open V4L2 device {uri.Target}",
                _ => $"GStreamer could not start the pipeline '{Secrets.RedactUrls(uri.Target)}'",
            });
        }
        _capture = capture;
    }

    public ReadResult Read(Mat into)
    {
        if (_capture is null)
            throw new InvalidOperationException("source not open");
        try
        {
            if (_capture.Read(into) && !into.Empty())
                return ReadResult.Frame;
        }
        catch (OpenCVException)
        {
            return ReadResult.Failed;
        }
        return uri.Kind == SourceKind.File ? ReadResult.End : ReadResult.Failed;
    }

    public void Dispose() => _capture?.Dispose();
}

/// <summary>Facts about the OpenCV native library in use.</summary>
public static class OpenCvBuild
{
    private static readonly Lazy<string> BuildInfo = new(() => Cv2.GetBuildInformation() ?? "");

    public static string Version => Cv2.GetVersionString() ?? "unknown";

    /// <summary>Whether the Video I/O section of OpenCV's build information lists GStreamer as available.</summary>
    public static bool HasGStreamer => BackendLine("GStreamer") is { } l && !l.Contains("NO", StringComparison.Ordinal);

    /// <summary>The build-information line of a video backend (e.g. "FFMPEG: YES"), or null when absent.</summary>
    public static string? BackendLine(string backend) =>
        BuildInfo.Value.Split('\n').Select(l => l.Trim())
            .FirstOrDefault(l => l.StartsWith(backend + ":", StringComparison.OrdinalIgnoreCase));
}
