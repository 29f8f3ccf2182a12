using System.Buffers.Binary;
using MFuser.Edge.Serial.Framing;

namespace MFuser.Edge.Serial.Mcu;

/// <summary>Why a received block was not a valid free-space frame.</summary>
public enum FreeSpaceDecodeError
{
    None,
    BadCobs,
    TooShort,
    CrcMismatch,
    UnknownVersion,
    LengthMismatch,
}

/// <summary>
/// The MCU wire format, version 1 (docs/serial-protocol.md has the byte layout and a worked example). Payload,
/// little-endian:
/// <c>version u8 | flags u8 | frame_id u32 | captured_at_us i64 | width u16 | height u16 | corridor_rows u16 |
/// corridor_cm u16 | corridor_class u8 | n u8 | n × (row u16 | range_cm u16 | class u8)</c>, then CRC-16/CCITT-FALSE
/// of the payload (u16, little-endian); the whole is COBS-encoded and ends with one 0x00 delimiter.
/// Sentinels: row 0xFFFF = free to the top, range 0xFFFF = unknown, class 0xFF = none/unknown.
/// </summary>
public static class FreeSpaceFrameCodec
{
    public const byte Version = 1;
    public const int HeaderLength = 24;
    public const int BinLength = 5;
    public const int CrcLength = 2;

    /// <summary>Largest encoded frame on the wire (255 bins, COBS overhead and delimiter included).</summary>
    public static readonly int MaxWireLength = Cobs.MaxEncodedLength(HeaderLength + FreeSpaceFrame.MaxBins * BinLength + CrcLength) + 1;

    /// <summary>Encodes <paramref name="frame"/> as it goes on the wire (COBS block + 0x00) into
    /// <paramref name="wire"/> (at least <see cref="MaxWireLength"/> bytes); returns the byte count. Allocation-free.</summary>
    public static int Encode(FreeSpaceFrame frame, Span<byte> wire)
    {
        Span<byte> raw = stackalloc byte[HeaderLength + FreeSpaceFrame.MaxBins * BinLength + CrcLength];
        var length = EncodeRaw(frame, raw);
        var n = Cobs.Encode(raw[..length], wire);
        wire[n] = 0;
        return n + 1;
    }

    /// <summary>Payload followed by its CRC, before COBS.</summary>
    public static int EncodeRaw(FreeSpaceFrame frame, Span<byte> raw)
    {
        var bins = frame.BinCount;
        if (bins is < 0 or > FreeSpaceFrame.MaxBins)
            throw new ArgumentOutOfRangeException(nameof(frame), bins, $"BinCount must be 0..{FreeSpaceFrame.MaxBins}");
        raw[0] = Version;
        raw[1] = (byte)frame.Flags;
        BinaryPrimitives.WriteUInt32LittleEndian(raw[2..], unchecked((uint)frame.FrameId));
        BinaryPrimitives.WriteInt64LittleEndian(raw[6..], frame.CapturedAtUnixMicros);
        BinaryPrimitives.WriteUInt16LittleEndian(raw[14..], Clamp16(frame.ImageWidth));
        BinaryPrimitives.WriteUInt16LittleEndian(raw[16..], Clamp16(frame.ImageHeight));
        BinaryPrimitives.WriteUInt16LittleEndian(raw[18..], Clamp16(frame.CorridorClearRows));
        BinaryPrimitives.WriteUInt16LittleEndian(raw[20..], Centimetres(frame.CorridorRangeM));
        raw[22] = ClassByte(frame.CorridorClassId);
        raw[23] = (byte)bins;
        var at = HeaderLength;
        for (var i = 0; i < bins; i++, at += BinLength)
        {
            var row = frame.Rows[i];
            BinaryPrimitives.WriteUInt16LittleEndian(raw[at..], row < 0 ? (ushort)0xFFFF : Clamp16(row));
            BinaryPrimitives.WriteUInt16LittleEndian(raw[(at + 2)..], Centimetres(frame.RangesM[i]));
            raw[at + 4] = ClassByte(frame.ClassIds[i]);
        }
        BinaryPrimitives.WriteUInt16LittleEndian(raw[at..], Crc16CcittFalse.Compute(raw[..at]));
        return at + CrcLength;
    }

    /// <summary>Decodes one COBS block (without its 0x00 delimiter) into <paramref name="frame"/>. The reference
    /// decoder for MCU firmware authors and for tests. Ranges come back rounded to centimetres.</summary>
    public static FreeSpaceDecodeError TryDecode(ReadOnlySpan<byte> block, FreeSpaceFrame frame)
    {
        Span<byte> raw = stackalloc byte[HeaderLength + FreeSpaceFrame.MaxBins * BinLength + CrcLength];
        var length = Cobs.Decode(block, raw);
        if (length < 0)
            return FreeSpaceDecodeError.BadCobs;
        if (length < HeaderLength + CrcLength)
            return FreeSpaceDecodeError.TooShort;
        var payload = raw[..(length - CrcLength)];
        if (BinaryPrimitives.ReadUInt16LittleEndian(raw[(length - CrcLength)..]) != Crc16CcittFalse.Compute(payload))
            return FreeSpaceDecodeError.CrcMismatch;
        if (payload[0] != Version)
            return FreeSpaceDecodeError.UnknownVersion;
        int bins = payload[23];
        if (payload.Length != HeaderLength + bins * BinLength)
            return FreeSpaceDecodeError.LengthMismatch;
        frame.Flags = (FreeSpaceFlags)payload[1];
        frame.FrameId = BinaryPrimitives.ReadUInt32LittleEndian(payload[2..]);
        frame.CapturedAtUnixMicros = BinaryPrimitives.ReadInt64LittleEndian(payload[6..]);
        frame.ImageWidth = BinaryPrimitives.ReadUInt16LittleEndian(payload[14..]);
        frame.ImageHeight = BinaryPrimitives.ReadUInt16LittleEndian(payload[16..]);
        frame.CorridorClearRows = BinaryPrimitives.ReadUInt16LittleEndian(payload[18..]);
        frame.CorridorRangeM = Metres(BinaryPrimitives.ReadUInt16LittleEndian(payload[20..]));
        frame.CorridorClassId = payload[22] == 0xFF ? -1 : payload[22];
        frame.BinCount = bins;
        for (int i = 0, at = HeaderLength; i < bins; i++, at += BinLength)
        {
            var row = BinaryPrimitives.ReadUInt16LittleEndian(payload[at..]);
            frame.Rows[i] = row == 0xFFFF ? -1 : row;
            frame.RangesM[i] = Metres(BinaryPrimitives.ReadUInt16LittleEndian(payload[(at + 2)..]));
            frame.ClassIds[i] = payload[at + 4] == 0xFF ? -1 : payload[at + 4];
        }
        return FreeSpaceDecodeError.None;
    }

    private static ushort Clamp16(int v) => (ushort)Math.Clamp(v, 0, 0xFFFE);

    /// <summary>Metres → centimetres, 0..65534 (655.34 m); NaN/negative/infinite → 0xFFFF (unknown).</summary>
    private static ushort Centimetres(double metres) =>
        double.IsFinite(metres) && metres >= 0 ? (ushort)Math.Min(Math.Round(metres * 100), 0xFFFE) : (ushort)0xFFFF;

    private static double Metres(ushort cm) => cm == 0xFFFF ? double.NaN : cm / 100.0;

    private static byte ClassByte(int id) => id is < 0 or > 254 ? (byte)0xFF : (byte)id;
}
