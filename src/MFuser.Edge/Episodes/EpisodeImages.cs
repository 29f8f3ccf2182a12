using System.Text.Json;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.ModelPackage.Classes;
using OpenCvSharp;

namespace MFuser.Edge.Episodes;

/// <summary>Which image channel of the field log.</summary>
internal enum ImageKind
{
    /// <summary><c>/camera/image</c>, JPEG.</summary>
    Frame,
    /// <summary><c>/segmentation/overlay</c>, JPEG of the class colours over the frame.</summary>
    Overlay,
    /// <summary><c>/segmentation/labels</c>, PNG whose pixels are class ids.</summary>
    Labels,
}

/// <summary>One recorded image: when it was captured, its channel and its encoded bytes (JPEG or PNG).</summary>
internal sealed record RecordedImage(DateTimeOffset Time, ImageKind Kind, byte[] Encoded);

/// <summary>Reads the images of an episode from its files and turns them into pictures a person can look at.</summary>
internal static class EpisodeImages
{
    private static readonly (string Topic, ImageKind Kind)[] Topics =
        [("/camera/image", ImageKind.Frame), ("/segmentation/overlay", ImageKind.Overlay), ("/segmentation/labels", ImageKind.Labels)];

    private static readonly IReadOnlySet<string> ImageTopics = Topics.Select(t => t.Topic).ToHashSet();

    /// <summary>The images captured from the episode's start to its end, in time order (each once, though the
    /// pre-trigger ring may have written it into two files).</summary>
    public static List<RecordedImage> Read(Episode episode)
    {
        var images = new Dictionary<(long, ImageKind), RecordedImage>();
        foreach (var path in episode.Files)
        {
            var file = McapReader.ReadFinishedOrNot(path, ImageTopics);
            foreach (var (topic, kind) in Topics)
                foreach (var m in file.On(topic))
                {
                    var time = DriveLog.FromNs((long)m.LogTime);
                    if (time < episode.Start || time > episode.Until)
                        continue;
                    images.TryAdd(((long)m.LogTime, kind), new RecordedImage(time, kind, Encoded(m.Data)));
                }
        }
        return images.Values.OrderBy(i => i.Time).ThenBy(i => i.Kind).ToList();
    }

    /// <summary>The image bytes of a <c>foxglove.CompressedImage</c> message; none when the message is malformed (no
    /// <c>data</c>, bad base64, not JSON), which <see cref="Decode"/> then reports like any undecodable image.</summary>
    private static byte[] Encoded(byte[] message)
    {
        try
        {
            using var json = JsonDocument.Parse(message);
            return json.RootElement.GetProperty("data").GetBytesFromBase64();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return [];
        }
    }

    /// <summary>Decodes a recorded image (labels: one channel of class ids; others: BGR).</summary>
    /// <exception cref="InvalidDataException">The bytes are not an image.</exception>
    public static Mat Decode(RecordedImage image)
    {
        if (image.Encoded.Length == 0)
            throw new InvalidDataException($"{image.Kind} image at {image.Time:O} holds no image data");
        var mat = Cv2.ImDecode(image.Encoded, image.Kind == ImageKind.Labels ? ImreadModes.Grayscale : ImreadModes.Color);
        if (mat.Empty())
        {
            mat.Dispose();
            throw new InvalidDataException($"{image.Kind} image at {image.Time:O} is not a decodable image");
        }
        return mat;
    }

    /// <summary>A class-id map painted in the class colours (BGR); ids without a class are black.</summary>
    public static Mat Colourise(Mat labels, IReadOnlyList<ClassInfo> classes)
    {
        using var lut = new Mat(1, 256, MatType.CV_8UC3, Scalar.All(0));
        foreach (var c in classes.Where(c => c.Id is >= 0 and < 256))
            lut.Set(0, c.Id, new Vec3b(c.Color.B, c.Color.G, c.Color.R));
        using var bgr = new Mat();
        Cv2.CvtColor(labels, bgr, ColorConversionCodes.GRAY2BGR);
        var coloured = new Mat();
        Cv2.LUT(bgr, lut, coloured);
        return coloured;
    }
}
