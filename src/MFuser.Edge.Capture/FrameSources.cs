using MFuser.Edge.Core.Config;

namespace MFuser.Edge.Capture;

/// <summary>Creates the <see cref="IFrameSource"/> for a configured <see cref="SourceUri"/>.</summary>
public static class FrameSources
{
    /// <summary>Network stream open/read timeout.</summary>
    public static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(5);

    /// <summary>The source <paramref name="config"/> describes, with its stream back-end and probe bound.</summary>
    public static IFrameSource Create(SourceConfig config) => Create(config.Uri, config.StreamBackend, config.Probe, config.RtspTransport);

    /// <param name="streamBackend"><c>source.stream_backend</c>: auto (ffmpeg when on PATH), ffmpeg or opencv.</param>
    /// <param name="probe"><c>source.probe_ms</c> (default 500 ms): how long ffmpeg may analyse a stream.</param>
    /// <param name="rtspTransport"><c>source.rtsp_transport</c>: tcp or udp.</param>
    public static IFrameSource Create(SourceUri uri, string streamBackend = "auto", TimeSpan? probe = null,
        string rtspTransport = "tcp") => uri.Kind switch
    {
        SourceKind.ImageFolder => new ImageFolderSource(uri.Target),
        SourceKind.Synthetic => new SyntheticSource(uri),
        SourceKind.Stream when streamBackend == "ffmpeg" || (streamBackend == "auto" && FfmpegStreamSource.Available)
            => new FfmpegStreamSource(uri, StreamTimeout, probe ?? TimeSpan.FromMilliseconds(500), rtspTransport),
        _ => new VideoCaptureSource(uri, StreamTimeout),
    };
}
