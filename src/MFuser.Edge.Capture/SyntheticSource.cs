using MFuser.Edge.Config;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>The synthetic drive of MFuser.Scenes as a camera (<c>synthetic://drive?...</c>).</summary>
public sealed class SyntheticSource(SourceUri uri) : IFrameSource
{
    public void Open() =>
        throw new SourceException($"{uri}: the synthetic drive (MFuser.Scenes DriveSimulator) is not wired into this build yet");

    public ReadResult Read(Mat into) => ReadResult.Failed;

    public void Dispose()
    {
    }
}
