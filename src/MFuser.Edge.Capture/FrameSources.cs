using MFuser.Edge.Core.Config;

namespace MFuser.Edge.Capture;

/// <summary>Creates the <see cref="IFrameSource"/> for a configured <see cref="SourceUri"/>.</summary>
public static class FrameSources
{
    /// <summary>Network stream open/read timeout.</summary>
    public static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(5);

    /// <param name="streamBackend"><c>source.stream_backend</c>: auto (ffmpeg when on PATH), ffmpeg or opencv.</param>
    public static IFrameSource Create(SourceUri uri, string streamBackend = "auto") => uri.Kind switch
    {
        SourceKind.ImageFolder => new ImageFolderSource(uri.Target),
        SourceKind.Synthetic => new SyntheticSource(uri),
        SourceKind.Stream when streamBackend == "ffmpeg" || (streamBackend == "auto" && FfmpegStreamSource.Available)
            => new FfmpegStreamSource(uri, StreamTimeout),
        _ => new VideoCaptureSource(uri, StreamTimeout),
    };
}
