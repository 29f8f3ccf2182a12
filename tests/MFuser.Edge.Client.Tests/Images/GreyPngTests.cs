using MFuser.Edge.Client.Images;
using OpenCvSharp;

namespace MFuser.Edge.Client.Tests.Images;

public sealed class GreyPngTests
{
    private static byte[] Pattern(int width, int height) =>
        Enumerable.Range(0, width * height).Select(i => (byte)(i % width * 7 + i / width * 13 + (i % 5 == 0 ? 200 : 0))).ToArray();

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void Every_row_filter_decodes_to_the_original_pixels(byte filter)
    {
        var pixels = Pattern(37, 11);
        var (width, height, decoded) = GreyPng.Decode(PngFiles.Grey(37, 11, pixels, _ => filter));
        Assert.Equal((37, 11), (width, height));
        Assert.Equal(pixels, decoded);
    }

    [Fact]
    public void Rows_with_mixed_filters_decode()
    {
        var pixels = Pattern(64, 25);
        Assert.Equal(pixels, GreyPng.Decode(PngFiles.Grey(64, 25, pixels, y => (byte)(y % 5))).Pixels);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(9)]
    public void Opencv_encoded_label_maps_decode_exactly(int compression)
    {
        var pixels = Pattern(320, 192).Select(p => (byte)(p % 19)).ToArray();
        using var mat = Mat.FromPixelData(192, 320, MatType.CV_8UC1, pixels);
        Cv2.ImEncode(".png", mat, out var png, new ImageEncodingParam(ImwriteFlags.PngCompression, compression));
        var map = SegmentationMap.Decode(png, frame: 4, capturedAt: DateTimeOffset.UnixEpoch);
        Assert.Equal((320, 192, 4L), (map.Width, map.Height, map.Frame!.Value));
        Assert.Equal(pixels, map.ClassIds);
        Assert.Equal(pixels[191 * 320 + 5], map[5, 191]);
    }

    [Fact]
    public void A_colour_png_is_rejected_naming_what_it_is()
    {
        using var mat = new Mat(4, 4, MatType.CV_8UC3, Scalar.All(9));
        Cv2.ImEncode(".png", mat, out var png);
        var e = Assert.Throws<FormatException>(() => GreyPng.Decode(png));
        Assert.Contains("colour type 2", e.Message);
    }

    [Fact]
    public void A_sixteen_bit_png_is_rejected()
    {
        using var mat = new Mat(4, 4, MatType.CV_16UC1, Scalar.All(9));
        Cv2.ImEncode(".png", mat, out var png);
        Assert.Contains("bit depth 16", Assert.Throws<FormatException>(() => GreyPng.Decode(png)).Message);
    }

    [Fact]
    public void Hostile_and_damaged_files_are_rejected_with_a_reason()
    {
        var good = PngFiles.Grey(8, 8, Pattern(8, 8), _ => 1);
        var flipped = (byte[])good.Clone();
        flipped[40] ^= 0xFF; // inside IDAT: its CRC no longer matches
        var cases = new (byte[] File, string Reason)[]
        {
            ([1, 2, 3], "signature"),
            (good[..(good.Length - 20)], "truncated"),
            (flipped, "CRC mismatch"),
            (PngFiles.File(PngFiles.Header(100_000, 100_000, 8, 0), PngFiles.Deflate([0])), "outside"),
            (PngFiles.File(PngFiles.Header(64, 64, 8, 0), PngFiles.Deflate(new byte[10])), "ends early"),
            (PngFiles.File(PngFiles.Header(4, 1, 8, 0), PngFiles.Deflate([7, 1, 2, 3, 4])), "unknown filter type 7"),
            (PngFiles.File(PngFiles.Header(4, 1, 8, 0), [1, 2, 3, 4]), "not valid zlib"),
        };
        foreach (var (file, reason) in cases)
            Assert.Contains(reason, Assert.Throws<FormatException>(() => GreyPng.Decode(file)).Message);
    }

    [Fact]
    public void Indexing_outside_the_map_throws()
    {
        var map = new SegmentationMap(2, 2, [0, 1, 2, 3], null, null);
        Assert.Equal(3, map[1, 1]);
        Assert.Throws<ArgumentOutOfRangeException>(() => map[2, 0]);
    }
}
