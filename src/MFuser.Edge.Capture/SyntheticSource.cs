using MFuser.Edge.Core.Config;
using MFuser.Scenes.Drive;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>The synthetic drive of MFuser.Scenes as a camera (<c>synthetic://drive?seed=..&amp;fps=..&amp;schedule=..</c>):
/// frames are rendered straight into the capture buffer and paced at the drive's frame rate, like a real camera.</summary>
public sealed class SyntheticSource(SourceUri uri) : IFrameSource
{
    private DriveSimulator? _drive;
    private byte[] _labels = [];

    /// <summary>Checks a synthetic URI's options without rendering anything.</summary>
    /// <exception cref="ArgumentException">A key or value is not accepted; the message names it.</exception>
    public static void Validate(SourceUri uri) => DriveOptions.FromUri(new Uri(uri.Target));

    public double PacingFps => _drive?.Fps ?? 0;

    public void Open()
    {
        try
        {
            _drive = DriveSimulator.FromUri(new Uri(uri.Target));
        }
        catch (ArgumentException e)
        {
            throw new SourceException(e.Message);
        }
        _labels = new byte[_drive.Width * _drive.Height];
    }

    public unsafe ReadResult Read(Mat into)
    {
        var drive = _drive ?? throw new InvalidOperationException("source not open");
        into.Create(drive.Height, drive.Width, MatType.CV_8UC3);
        drive.Next(new Span<byte>((void*)into.Data, drive.Width * drive.Height * 3), _labels);
        return ReadResult.Frame;
    }

    public void Dispose()
    {
    }
}
