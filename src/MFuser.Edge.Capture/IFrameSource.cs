using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>Outcome of one <see cref="IFrameSource.Read"/>.</summary>
public enum ReadResult
{
    /// <summary>A frame was written.</summary>
    Frame,
    /// <summary>The source has no more frames (end of a file or folder).</summary>
    End,
    /// <summary>The source broke (stream lost, device gone, decode error).</summary>
    Failed,
}

/// <summary>A camera-like source of BGR frames. Opened once per episode; a failed or ended source is disposed and a
/// new one is opened by <see cref="CaptureWorker"/>.</summary>
public interface IFrameSource : IDisposable
{
    /// <summary>Opens the source.</summary>
    /// <exception cref="SourceException">It cannot be opened; the message says why.</exception>
    void Open();

    /// <summary>Reads the next frame into <paramref name="into"/> (8-bit, 3 channels, BGR).</summary>
    ReadResult Read(Mat into);

    /// <summary>The rate at which capture must pace this source because it has no clock of its own (a simulator);
    /// 0 when reads already wait for frames (cameras, streams) or should run as fast as decoding allows (files).</summary>
    double PacingFps => 0;
}

/// <summary>A source could not be opened or read.</summary>
public sealed class SourceException(string message) : Exception(message);

/// <summary>No frame arrived within <c>source.startup_timeout_s</c>; the daemon exits with code 4.</summary>
public sealed class SourceUnavailableException(string message) : Exception(message);
