using MFuser.ModelPackage.Files;
using OpenCvSharp;

namespace MFuser.Edge.Capture;

/// <summary>Still images of a folder (png, jpg, jpeg, bmp, webp, tif, tiff) in ordinal name order, one per read.
/// Meant for offline checks and replaying recorded frames; each image is decoded into a temporary Mat.</summary>
public sealed class ImageFolderSource(string folder) : IFrameSource
{
    private static readonly string[] Extensions = [".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff"];
    private string[] _files = [];
    private int _next;

    /// <summary>Files that could not be decoded as images (skipped): not an image, beyond OpenCV's pixel limit, or a
    /// FIFO whose read would block.</summary>
    public int Skipped { get; private set; }

    public void Open()
    {
        if (!Directory.Exists(folder))
            throw new SourceException($"no such folder: {folder}");
        _files = Directory.EnumerateFiles(folder)
            .Where(f => Extensions.Contains(Path.GetExtension(f).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).ToArray();
        if (_files.Length == 0)
            throw new SourceException($"no images ({string.Join(", ", Extensions)}) in {folder}");
        _next = 0;
    }

    public ReadResult Read(Mat into)
    {
        while (_next < _files.Length)
        {
            using var image = Decode(_files[_next++]);
            if (image is null || image.Empty())
            {
                Skipped++;
                continue;
            }
            image.CopyTo(into);
            return ReadResult.Frame;
        }
        return ReadResult.End;
    }

    private static Mat? Decode(string file)
    {
        if (RegularFile.Problem(file) is not null)
            return null;
        try
        {
            return Cv2.ImRead(file, ImreadModes.Color);
        }
        catch (OpenCVException) // e.g. a header that claims more pixels than CV_IO_MAX_IMAGE_PIXELS
        {
            return null;
        }
    }

    public void Dispose()
    {
    }
}
