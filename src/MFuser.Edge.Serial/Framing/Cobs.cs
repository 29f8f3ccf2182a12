namespace MFuser.Edge.Serial.Framing;

/// <summary>Consistent Overhead Byte Stuffing (Cheshire &amp; Baker, 1999): removes every 0x00 from a block at a cost of
/// at most one byte per 254, so 0x00 can delimit frames on the wire and a receiver resynchronises at the next
/// 0x00 after any corruption.</summary>
public static class Cobs
{
    /// <summary>Largest encoded size of <paramref name="length"/> input bytes (no delimiter).</summary>
    public static int MaxEncodedLength(int length) => length + length / 254 + 1;

    /// <summary>Encodes <paramref name="input"/> into <paramref name="output"/> (at least
    /// <see cref="MaxEncodedLength"/> bytes); returns the encoded length. Writes no delimiter.</summary>
    public static int Encode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        if (output.Length < MaxEncodedLength(input.Length))
            throw new ArgumentException($"COBS output needs {MaxEncodedLength(input.Length)} bytes, got {output.Length}", nameof(output));
        var codeAt = 0;
        var write = 1;
        byte code = 1;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == 0)
            {
                output[codeAt] = code;
                codeAt = write++;
                code = 1;
                continue;
            }
            output[write++] = b;
            if (++code == 0xFF && i + 1 < input.Length)
            {
                output[codeAt] = code;
                codeAt = write++;
                code = 1;
            }
        }
        output[codeAt] = code;
        return write;
    }

    /// <summary>Decodes one COBS block (delimiter not included) into <paramref name="output"/>; returns the decoded
    /// length, or −1 when the block is malformed (a zero byte, a code running past the end, or too small an output).</summary>
    public static int Decode(ReadOnlySpan<byte> input, Span<byte> output)
    {
        var read = 0;
        var write = 0;
        while (read < input.Length)
        {
            int code = input[read++];
            if (code == 0 || read + code - 1 > input.Length)
                return -1;
            for (var i = 1; i < code; i++)
            {
                var b = input[read++];
                if (b == 0 || write >= output.Length)
                    return -1;
                output[write++] = b;
            }
            if (code != 0xFF && read < input.Length)
            {
                if (write >= output.Length)
                    return -1;
                output[write++] = 0;
            }
        }
        return write;
    }
}
