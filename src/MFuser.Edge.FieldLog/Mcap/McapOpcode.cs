namespace MFuser.Edge.FieldLog.Mcap;

/// <summary>MCAP record opcodes (https://mcap.dev/spec, major version 0).</summary>
public enum McapOpcode : byte
{
    Header = 0x01,
    Footer = 0x02,
    Schema = 0x03,
    Channel = 0x04,
    Message = 0x05,
    Chunk = 0x06,
    MessageIndex = 0x07,
    ChunkIndex = 0x08,
    Attachment = 0x09,
    AttachmentIndex = 0x0A,
    Statistics = 0x0B,
    Metadata = 0x0C,
    MetadataIndex = 0x0D,
    SummaryOffset = 0x0E,
    DataEnd = 0x0F,
}

/// <summary>The 8 magic bytes that open and close every MCAP file.</summary>
public static class McapMagic
{
    public static ReadOnlySpan<byte> Bytes => [0x89, (byte)'M', (byte)'C', (byte)'A', (byte)'P', 0x30, (byte)'\r', (byte)'\n'];
}
