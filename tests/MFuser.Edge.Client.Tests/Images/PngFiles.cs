using System.Buffers.Binary;
using System.IO.Compression;
using System.IO.Hashing;

namespace MFuser.Edge.Client.Tests.Images;

/// <summary>Writes PNG files chunk by chunk with a chosen row filter, so the decoder meets every filter type and
/// hand-made defects; real encoder output comes from OpenCV in the tests themselves.</summary>
internal static class PngFiles
{
    public static readonly byte[] Signature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>An 8-bit grey PNG whose row y uses filter <paramref name="filterOf"/>(y).</summary>
    public static byte[] Grey(int width, int height, byte[] pixels, Func<int, byte> filterOf)
    {
        var raw = new byte[height * (width + 1)];
        for (var y = 0; y < height; y++)
        {
            var filter = filterOf(y);
            raw[y * (width + 1)] = filter;
            for (var x = 0; x < width; x++)
            {
                int a = x > 0 ? pixels[y * width + x - 1] : 0, b = y > 0 ? pixels[(y - 1) * width + x] : 0;
                int c = x > 0 && y > 0 ? pixels[(y - 1) * width + x - 1] : 0;
                var predictor = filter switch { 0 => 0, 1 => a, 2 => b, 3 => (a + b) / 2, _ => Paeth(a, b, c) };
                raw[y * (width + 1) + 1 + x] = (byte)(pixels[y * width + x] - predictor);
            }
        }
        return File(Header(width, height, bitDepth: 8, colourType: 0), Deflate(raw));
    }

    public static byte[] Header(int width, int height, byte bitDepth, byte colourType)
    {
        var ihdr = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(ihdr, width);
        BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), height);
        (ihdr[8], ihdr[9]) = (bitDepth, colourType);
        return ihdr;
    }

    public static byte[] File(byte[] ihdr, byte[] idat)
    {
        using var file = new MemoryStream();
        file.Write(Signature);
        Chunk(file, "IHDR", ihdr);
        Chunk(file, "IDAT", idat);
        Chunk(file, "IEND", []);
        return file.ToArray();
    }

    public static byte[] Deflate(byte[] raw)
    {
        using var compressed = new MemoryStream();
        using (var zlib = new ZLibStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            zlib.Write(raw);
        return compressed.ToArray();
    }

    private static void Chunk(Stream file, string type, byte[] data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(word, data.Length);
        file.Write(word);
        var typed = System.Text.Encoding.ASCII.GetBytes(type).Concat(data).ToArray();
        file.Write(typed);
        BinaryPrimitives.WriteUInt32BigEndian(word, Crc32.HashToUInt32(typed));
        file.Write(word);
    }

    private static int Paeth(int a, int b, int c)
    {
        int p = a + b - c, pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
    }
}
