using OpenCvSharp;

namespace MFuser.Scenes.Cli;

/// <summary>PNG output through OpenCV (lossless, 8-bit).</summary>
internal static class PngFiles
{
    public static void WriteBgr(string path, ReadOnlySpan<byte> bgr, int width, int height) =>
        Write(path, bgr, width, height, MatType.CV_8UC3);

    public static void WriteGray(string path, ReadOnlySpan<byte> pixels, int width, int height) =>
        Write(path, pixels, width, height, MatType.CV_8UC1);

    private static unsafe void Write(string path, ReadOnlySpan<byte> data, int width, int height, MatType type)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        fixed (byte* p = data)
        {
            using var mat = Mat.FromPixelData(height, width, type, (IntPtr)p);
            if (!Cv2.ImWrite(path, mat)) throw new IOException($"could not write PNG '{path}'");
        }
    }
}
