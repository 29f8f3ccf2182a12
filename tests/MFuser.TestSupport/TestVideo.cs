using System.Diagnostics;

namespace MFuser.TestSupport;

/// <summary>Street-like test frames painted with exact prototype colours of the fixture model, written losslessly
/// (FFV1, BGR) by ffmpeg, so the labels the model must produce for each decoded frame are known exactly.</summary>
public static class TestVideo
{
    public static readonly (byte B, byte G, byte R) Sky = (230, 200, 150), Vegetation = (40, 120, 40), Asphalt = (90, 90, 90), Car = (142, 0, 0);

    /// <summary>Frame <paramref name="index"/>: sky, vegetation band, road, and a car that moves to the right.</summary>
    public static byte[] Frame(int index, int width, int height)
    {
        var bgr = new byte[width * height * 3];
        var carX = index * 4 % (width - 40);
        for (var y = 0; y < height; y++)
            for (var x = 0; x < width; x++)
            {
                var c = y < height / 3 ? Sky : y < height / 2 ? Vegetation : Asphalt;
                if (y >= height * 3 / 5 && y < height * 4 / 5 && x >= carX && x < carX + 40)
                    c = Car;
                var i = 3 * (y * width + x);
                (bgr[i], bgr[i + 1], bgr[i + 2]) = c;
            }
        return bgr;
    }

    /// <summary>Writes <paramref name="count"/> frames to an FFV1 Matroska file with ffmpeg.</summary>
    public static string Write(string path, int count, int width, int height, int fps = 25)
    {
        var psi = new ProcessStartInfo("ffmpeg",
            ["-loglevel", "error", "-y", "-f", "rawvideo", "-pix_fmt", "bgr24", "-s", $"{width}x{height}", "-r", fps.ToString(),
             "-i", "-", "-c:v", "ffv1", "-pix_fmt", "bgr0", path])
        {
            RedirectStandardInput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var ffmpeg = Process.Start(psi) ?? throw new InvalidOperationException("ffmpeg did not start (apt-get install ffmpeg)");
        var stderr = ffmpeg.StandardError.ReadToEndAsync();
        using (var stdin = ffmpeg.StandardInput.BaseStream)
            for (var i = 0; i < count; i++)
                stdin.Write(Frame(i, width, height));
        ffmpeg.WaitForExit();
        if (ffmpeg.ExitCode != 0)
            throw new InvalidOperationException($"ffmpeg failed ({ffmpeg.ExitCode}): {stderr.Result}");
        return path;
    }
}
