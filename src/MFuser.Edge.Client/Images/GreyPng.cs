using System.Buffers.Binary;
using System.IO.Compression;

namespace MFuser.Edge.Client.Images;

/// <summary>
/// Decodes the PNG the daemon publishes on <c>segmentation</c>: 8-bit greyscale, not interlaced (any of the five row
/// filters). Anything else is rejected with a <see cref="FormatException"/> that says what was found. Chunk CRCs are
/// checked, and the decompressed size is bounded by the header, so a hostile file cannot make it allocate more than
/// width × height bytes plus one filter byte per row.
/// </summary>
public static class GreyPng
{
    /// <summary>The largest side accepted: far above any model resolution.</summary>
    public const int MaxSide = 16384;

    private static ReadOnlySpan<byte> Signature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Returns the image size and its pixels, row-major, one byte per pixel.</summary>
    public static (int Width, int Height, byte[] Pixels) Decode(ReadOnlySpan<byte> png)
    {
        if (png.Length < Signature.Length || !png[..Signature.Length].SequenceEqual(Signature))
            throw new FormatException("not a PNG file (signature missing)");
        int width = 0, height = 0;
        using var idat = new MemoryStream();
        var offset = Signature.Length;
        var ended = false;
        while (!ended)
        {
            if (png.Length - offset < 12)
                throw new FormatException($"PNG truncated at byte {offset}: chunk header expected");
            var length = BinaryPrimitives.ReadUInt32BigEndian(png[offset..]);
            if (length > png.Length - offset - 12)
                throw new FormatException(
                    $"PNG truncated: the chunk at byte {offset} claims {length} bytes, the file has {png.Length - offset - 12} left");
            var type = png.Slice(offset + 4, 4);
            var data = png.Slice(offset + 8, (int)length);
            var crc = BinaryPrimitives.ReadUInt32BigEndian(png[(offset + 8 + (int)length)..]);
            if (Crc32.Of(png.Slice(offset + 4, 4 + (int)length)) != crc)
                throw new FormatException($"PNG chunk '{System.Text.Encoding.ASCII.GetString(type)}' at byte {offset}: CRC mismatch");
            if (type.SequenceEqual("IHDR"u8))
                (width, height) = ReadHeader(data);
            else if (type.SequenceEqual("IDAT"u8))
                idat.Write(data);
            else if (type.SequenceEqual("IEND"u8))
                ended = true;
            else if ((type[0] & 0x20) == 0)
                throw new FormatException($"PNG critical chunk '{System.Text.Encoding.ASCII.GetString(type)}' is not supported");
            offset += 12 + (int)length;
        }
        if (width == 0)
            throw new FormatException("PNG has no IHDR chunk");
        idat.Position = 0;
        return (width, height, Unfilter(Inflate(idat, height * (width + 1)), width, height));
    }

    private static (int Width, int Height) ReadHeader(ReadOnlySpan<byte> ihdr)
    {
        if (ihdr.Length != 13)
            throw new FormatException($"PNG IHDR must be 13 bytes, got {ihdr.Length}");
        var width = BinaryPrimitives.ReadUInt32BigEndian(ihdr);
        var height = BinaryPrimitives.ReadUInt32BigEndian(ihdr[4..]);
        if (width is 0 or > MaxSide || height is 0 or > MaxSide)
            throw new FormatException($"PNG size {width}x{height} outside 1…{MaxSide}");
        if (ihdr[8] != 8 || ihdr[9] != 0)
            throw new FormatException(
                $"expected an 8-bit greyscale PNG (bit depth 8, colour type 0), got bit depth {ihdr[8]}, colour type {ihdr[9]}");
        if (ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] != 0)
            throw new FormatException("expected a non-interlaced PNG with deflate compression and standard filtering");
        return ((int)width, (int)height);
    }

    private static byte[] Inflate(Stream compressed, int expected)
    {
        var raw = new byte[expected];
        using var zlib = new ZLibStream(compressed, CompressionMode.Decompress);
        try
        {
            zlib.ReadExactly(raw);
        }
        catch (EndOfStreamException)
        {
            throw new FormatException($"PNG image data ends early: {expected} bytes expected");
        }
        catch (InvalidDataException e)
        {
            throw new FormatException($"PNG image data is not valid zlib: {e.Message}");
        }
        return raw;
    }

    private static byte[] Unfilter(byte[] raw, int width, int height)
    {
        var pixels = new byte[width * height];
        for (var y = 0; y < height; y++)
        {
            var filter = raw[y * (width + 1)];
            var src = raw.AsSpan(y * (width + 1) + 1, width);
            var row = pixels.AsSpan(y * width, width);
            var up = y > 0 ? pixels.AsSpan((y - 1) * width, width) : new byte[width];
            for (var x = 0; x < width; x++)
            {
                int a = x > 0 ? row[x - 1] : 0, b = up[x], c = x > 0 ? up[x - 1] : 0;
                row[x] = filter switch
                {
                    0 => src[x],
                    1 => (byte)(src[x] + a),
                    2 => (byte)(src[x] + b),
                    3 => (byte)(src[x] + (a + b) / 2),
                    4 => (byte)(src[x] + Paeth(a, b, c)),
                    _ => throw new FormatException($"PNG row {y}: unknown filter type {filter}"),
                };
            }
        }
        return pixels;
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }

    /// <summary>CRC-32 (ISO-HDLC) as PNG chunks use it.</summary>
    private static class Crc32
    {
        private static readonly uint[] Table = Enumerable.Range(0, 256).Select(n =>
        {
            var c = (uint)n;
            for (var k = 0; k < 8; k++)
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            return c;
        }).ToArray();

        public static uint Of(ReadOnlySpan<byte> bytes)
        {
            var crc = 0xFFFFFFFFu;
            foreach (var b in bytes)
                crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
            return crc ^ 0xFFFFFFFFu;
        }
    }
}
