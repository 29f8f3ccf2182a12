using MFuser.Edge.Config;

namespace MFuser.Edge.Capture;

/// <summary>Creates the <see cref="IFrameSource"/> for a configured <see cref="SourceUri"/>.</summary>
public static class FrameSources
{
    /// <summary>Network stream open/read timeout.</summary>
    public static readonly TimeSpan StreamTimeout = TimeSpan.FromSeconds(5);

    public static IFrameSource Create(SourceUri uri) => uri.Kind switch
    {
        SourceKind.ImageFolder => new ImageFolderSource(uri.Target),
        SourceKind.Synthetic => new SyntheticSource(uri),
        _ => new VideoCaptureSource(uri, StreamTimeout),
    };
}
