namespace MFuser.Edge.Serial.Framing;

/// <summary>CRC-16/CCITT-FALSE (a.k.a. CRC-16/IBM-3740): polynomial 0x1021, initial value 0xFFFF, no reflection, no
/// final XOR; check value 0x29B1 for ASCII "123456789". Table-driven, allocation-free.</summary>
public static class Crc16CcittFalse
{
    private static readonly ushort[] Table = BuildTable();

    public static ushort Compute(ReadOnlySpan<byte> data)
    {
        ushort crc = 0xFFFF;
        foreach (var b in data)
            crc = (ushort)(crc << 8 ^ Table[(crc >> 8 ^ b) & 0xFF]);
        return crc;
    }

    private static ushort[] BuildTable()
    {
        var table = new ushort[256];
        for (var i = 0; i < 256; i++)
        {
            var crc = (ushort)(i << 8);
            for (var bit = 0; bit < 8; bit++)
                crc = (ushort)((crc & 0x8000) != 0 ? crc << 1 ^ 0x1021 : crc << 1);
            table[i] = crc;
        }
        return table;
    }
}
