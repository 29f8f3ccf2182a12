using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using OpenCvSharp;

namespace MFuser.Edge.Pipeline;

/// <summary>Encodes label maps for MQTT: the <c>segmentation</c> PNG (8-bit, one channel, pixel = class id) and the
/// <c>overlay</c> JPEG (class colours blended over the model input). Mats are allocated once; the encoded byte array
/// (OpenCvSharp returns a new one) and a few small OpenCV proxies are allocated per image, which the rate limits keep
/// to a few per second.</summary>
public sealed class LabelImages : IDisposable
{
    private readonly int _width, _height;
    private readonly Mat _lut = new(256, 1, MatType.CV_8UC3, Scalar.All(0));
    private readonly Mat _labels3 = new();
    private readonly Mat _colour = new();
    private readonly Mat _blend = new();
    private readonly int[] _jpegParams;

    public LabelImages(int width, int height, IReadOnlyList<ClassInfo> classes, int jpegQuality)
    {
        (_width, _height) = (width, height);
        foreach (var c in classes)
            _lut.Set(c.Id, 0, new Vec3b(c.Color.B, c.Color.G, c.Color.R));
        _jpegParams = [(int)ImwriteFlags.JpegQuality, jpegQuality];
    }

    /// <summary>PNG of the label map.</summary>
    public unsafe byte[] Png(ReadOnlySpan<byte> labels)
    {
        fixed (byte* p = labels)
        {
            using var m = Mat.FromPixelData(_height, _width, MatType.CV_8UC1, (IntPtr)p);
            using var input = InputArray.Create(m);
            Cv2.ImEncode(".png", input, out var png);
            return png;
        }
    }

    /// <summary>JPEG of the class colours blended 50/50 over <paramref name="bgr"/> (the model input).</summary>
    public unsafe byte[] Overlay(ReadOnlySpan<byte> labels, Mat bgr)
    {
        fixed (byte* p = labels)
        {
            using var m = Mat.FromPixelData(_height, _width, MatType.CV_8UC1, (IntPtr)p);
            Cv2.CvtColor(m, _labels3, ColorConversionCodes.GRAY2BGR);
            Cv2.LUT(_labels3, _lut, _colour);
            Cv2.AddWeighted(bgr, 0.5, _colour, 0.5, 0, _blend);
            Cv2.ImEncode(".jpg", _blend, out var jpeg, _jpegParams);
            return jpeg;
        }
    }

    public void Dispose()
    {
        _lut.Dispose();
        _labels3.Dispose();
        _colour.Dispose();
        _blend.Dispose();
    }
}
