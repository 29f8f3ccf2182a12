using System.Globalization;
using OpenCvSharp;

namespace MFuser.Edge.Episodes;

/// <summary>
/// Writes the images of one episode as PNG files, named <c>&lt;capture time, UTC&gt;-&lt;what&gt;.png</c> so that a
/// directory listing is in time order: <c>frame</c> (the camera JPEG, decoded), <c>overlay</c> (class colours over the
/// frame), <c>labels</c> (the class-id map as recorded: pixel = class id) and <c>labels-colour</c> (that map in the class
/// colours). An image that does not decode is skipped and counted.
/// </summary>
internal static class EpisodeExporter
{
    /// <summary>What <see cref="Export"/> wrote.</summary>
    public sealed record Result(IReadOnlyList<string> Files, int Undecodable);

    public static Result Export(DriveLog drive, Episode episode, string outDir)
    {
        Directory.CreateDirectory(outDir);
        var written = new List<string>();
        var undecodable = 0;
        foreach (var image in EpisodeImages.Read(episode))
        {
            var stem = Path.Combine(outDir, image.Time.UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture));
            try
            {
                using var mat = EpisodeImages.Decode(image);
                switch (image.Kind)
                {
                    case ImageKind.Frame:
                        written.Add(Write(mat, stem + "-frame.png"));
                        break;
                    case ImageKind.Overlay:
                        written.Add(Write(mat, stem + "-overlay.png"));
                        break;
                    default:
                        written.Add(Write(mat, stem + "-labels.png"));
                        using (var colour = EpisodeImages.Colourise(mat, drive.Classes))
                            written.Add(Write(colour, stem + "-labels-colour.png"));
                        break;
                }
            }
            catch (InvalidDataException)
            {
                undecodable++;
            }
        }
        return new Result(written, undecodable);
    }

    private static string Write(Mat image, string path)
    {
        if (!Cv2.ImWrite(path, image))
            throw new IOException($"{path}: could not write the PNG");
        return path;
    }
}
