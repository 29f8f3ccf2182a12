using MFuser.ModelPackage.Classes;
using OpenCvSharp;

namespace MFuser.Edge.Pipeline;

/// <summary>Encodes one frame's images for the stages: the class-id PNG (<c>segmentation</c>, field log), the colour
/// overlay JPEG (class colours blended over the model input: <c>overlay</c>, console), the class colours alone (console)
/// and the camera JPEG (the model input: field log, console). Mats are allocated once; each encode returns a new array
/// (OpenCvSharp), which the stages' rate limits keep to a few per second. Used by the stage thread only.</summary>
public sealed class FrameImages : IDisposable
{
    private readonly int _width, _height;
    private readonly Mat _lut = new(256, 1, MatType.CV_8UC3, Scalar.All(0));
    private readonly Mat _labels3 = new();
    private readonly Mat _colour = new();
    private readonly Mat _blend = new();
    private readonly int[] _overlayParams;
    private readonly int[] _cameraParams;

    /// <param name="overlayQuality">JPEG quality of the overlay (<c>publish.overlay_quality</c>).</param>
    /// <param name="cameraQuality">JPEG quality of the camera frame (<c>field_log.jpeg_quality</c>).</param>
    public FrameImages(int width, int height, IReadOnlyList<ClassInfo> classes, int overlayQuality, int cameraQuality)
    {
        (_width, _height) = (width, height);
        foreach (var c in classes)
            _lut.Set(c.Id, 0, new Vec3b(c.Color.B, c.Color.G, c.Color.R));
        _overlayParams = [(int)ImwriteFlags.JpegQuality, overlayQuality];
        _cameraParams = [(int)ImwriteFlags.JpegQuality, cameraQuality];
    }

    /// <summary>PNG of the label map (8-bit, one channel, pixel = class id).</summary>
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
    public byte[] Overlay(ReadOnlySpan<byte> labels, Mat bgr)
    {
        Colourise(labels);
        Cv2.AddWeighted(bgr, 0.5, _colour, 0.5, 0, _blend);
        Cv2.ImEncode(".jpg", _blend, out var jpeg, _overlayParams);
        return jpeg;
    }

    /// <summary>JPEG of the label map drawn in the class colours alone (the console's label view).</summary>
    public byte[] LabelColours(ReadOnlySpan<byte> labels)
    {
        Colourise(labels);
        Cv2.ImEncode(".jpg", _colour, out var jpeg, _overlayParams);
        return jpeg;
    }

    /// <summary>Paints <paramref name="labels"/> in the class colours into <c>_colour</c>.</summary>
    private unsafe void Colourise(ReadOnlySpan<byte> labels)
    {
        fixed (byte* p = labels)
        {
            using var m = Mat.FromPixelData(_height, _width, MatType.CV_8UC1, (IntPtr)p);
            Cv2.CvtColor(m, _labels3, ColorConversionCodes.GRAY2BGR);
            Cv2.LUT(_labels3, _lut, _colour);
        }
    }

    /// <summary>JPEG of <paramref name="bgr"/> (the model input).</summary>
    public byte[] Camera(Mat bgr)
    {
        Cv2.ImEncode(".jpg", bgr, out var jpeg, _cameraParams);
        return jpeg;
    }

    public void Dispose()
    {
        _lut.Dispose();
        _labels3.Dispose();
        _colour.Dispose();
        _blend.Dispose();
    }
}
