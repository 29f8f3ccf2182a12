using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace MFuser.Edge.FieldLog.Mcap;

/// <summary>A schema record.</summary>
public sealed record McapSchema(ushort Id, string Name, string Encoding, byte[] Data);

/// <summary>A channel record.</summary>
public sealed record McapChannel(ushort Id, ushort SchemaId, string Topic, string MessageEncoding, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A message record.</summary>
public sealed record McapMessage(ushort ChannelId, uint Sequence, ulong LogTime, ulong PublishTime, byte[] Data);

/// <summary>The summary's Statistics record.</summary>
public sealed record McapStatistics(ulong MessageCount, ushort SchemaCount, uint ChannelCount, uint ChunkCount, ulong MessageStartTime,
    ulong MessageEndTime, IReadOnlyDictionary<ushort, ulong> ChannelMessageCounts);

/// <summary>Everything <see cref="McapReader.Read"/> found in a file.</summary>
public sealed record McapFile(string Profile, string Library, IReadOnlyList<McapSchema> Schemas, IReadOnlyList<McapChannel> Channels,
    IReadOnlyList<McapMessage> Messages, McapStatistics? Statistics, int ChunkCount, int IndexedMessageCount, bool Finished = true)
{
    /// <summary>Messages on the channel with <paramref name="topic"/>.</summary>
    public IEnumerable<McapMessage> On(string topic) =>
        Channels.FirstOrDefault(c => c.Topic == topic) is { } c ? Messages.Where(m => m.ChannelId == c.Id) : [];
}

/// <summary>
/// A strict MCAP reader for whole files in memory (tests, tools): checks both magics, the Footer and its summary
/// CRC, the record framing, each Chunk's CRC, the DataEnd data-section CRC, that every MessageIndex entry and
/// ChunkIndex points at a record of the right kind, and that Statistics agree with what the data section holds.
/// Throws <see cref="InvalidDataException"/> naming the check and the byte offset. Records are parsed in place (no
/// copies); only the kept messages' payloads are copied out, so a tool that asks for a few topics holds the file's
/// bytes once, not three times.
/// </summary>
public static class McapReader
{
    /// <param name="topics">The topics whose messages are kept (all are checked); null: every topic.</param>
    public static McapFile Read(string path, IReadOnlySet<string>? topics = null) => Read(File.ReadAllBytes(path), topics);

    /// <param name="topics">The topics whose messages are kept (all are checked); null: every topic.</param>
    public static McapFile Read(byte[] file, IReadOnlySet<string>? topics = null) => Read(file, topics, unfinished: false);

    /// <summary>Reads <paramref name="path"/> strictly when it is finished (ends with the magic), else as
    /// <see cref="ReadUnfinished"/> does: the file of a writer that was killed, lost power or is still writing.</summary>
    public static McapFile ReadFinishedOrNot(string path, IReadOnlySet<string>? topics = null)
    {
        var file = File.ReadAllBytes(path);
        var finished = file.Length >= 16 && file.AsSpan(file.Length - 8).SequenceEqual(McapMagic.Bytes);
        return Read(file, topics, unfinished: !finished);
    }

    /// <summary>What a writer that never finished left: the header and every complete record up to the first torn one
    /// (a record cut short, a chunk whose CRC fails); there is no summary to check them against.
    /// <see cref="McapFile.Finished"/> is false.</summary>
    public static McapFile ReadUnfinished(byte[] file, IReadOnlySet<string>? topics = null) => Read(file, topics, unfinished: true);

    private static McapFile Read(byte[] file, IReadOnlySet<string>? topics, bool unfinished)
    {
        var magic = McapMagic.Bytes;
        if (file.Length < 2 * magic.Length + 9 + 20 || !file.AsSpan(0, 8).SequenceEqual(magic)
            || (!unfinished && !file.AsSpan(file.Length - 8).SequenceEqual(magic)))
            throw new InvalidDataException("MCAP: missing magic at the start or the end");
        var footerAt = unfinished ? file.Length : file.Length - 8 - 29;
        if (!unfinished && (file[footerAt] != (byte)McapOpcode.Footer || U64(file, footerAt + 1) != 20))
            throw new InvalidDataException($"MCAP: no Footer record at byte {footerAt}");
        var summaryOffset = unfinished ? 0 : U64(file, footerAt + 9);
        if (summaryOffset != 0 && (summaryOffset < 8 || summaryOffset > (ulong)footerAt))
            throw new InvalidDataException($"MCAP: the Footer's summary offset {summaryOffset} lies outside the file ({file.Length} bytes)");
        var summaryStart = (long)summaryOffset;
        var summaryCrc = unfinished ? 0 : U32(file, footerAt + 25);
        if (summaryStart != 0 && summaryCrc != 0
            && Crc32.HashToUInt32(file.AsSpan((int)summaryStart, footerAt + 25 - (int)summaryStart)) != summaryCrc)
            throw new InvalidDataException("MCAP: summary CRC mismatch");

        var schemas = new Dictionary<ushort, McapSchema>();
        var channels = new Dictionary<ushort, McapChannel>();
        var messages = new Messages(topics);
        string profile = "", library = "";
        var chunks = 0;
        var indexed = 0;
        var pos = 8;
        var first = true;
        var dataEnd = false;
        var chunkRecords = new Dictionary<long, ArraySegment<byte>>(); // chunk file offset → records, for message index checks
        long lastChunkAt = -1;
        while (!dataEnd && !(unfinished && pos >= file.Length))
        {
            McapOpcode op;
            ArraySegment<byte> content;
            int next;
            try
            {
                (op, content, next) = Record(file, pos, unfinished ? file.Length : file.Length - 8);
            }
            catch (InvalidDataException) when (unfinished)
            {
                break; // the record the writer was in the middle of
            }
            if (first && op != McapOpcode.Header)
                throw new InvalidDataException($"MCAP: first record is {op}, expected Header");
            switch (op)
            {
                case McapOpcode.Header:
                    var c = 0;
                    profile = Str(content, ref c);
                    library = Str(content, ref c);
                    break;
                case McapOpcode.Chunk:
                {
                    var c2 = 24;
                    var crc = U32(content, c2);
                    c2 += 4;
                    var compression = Str(content, ref c2);
                    if (compression.Length > 0)
                        throw new InvalidDataException($"MCAP: chunk at {pos} is compressed ({compression}); this reader reads " +
                                                       $"uncompressed chunks only");
                    var length = (int)U64(content, c2);
                    var records = content.Slice(c2 + 8, length);
                    if (crc != 0 && Crc32.HashToUInt32(records) != crc)
                    {
                        if (unfinished)
                        {
                            dataEnd = true; // torn: nothing after it is trusted
                            break;
                        }
                        throw new InvalidDataException($"MCAP: chunk at {pos}: CRC mismatch");
                    }
                    var inner = 0;
                    while (inner < records.Count)
                    {
                        var (iop, icontent, inext) = Record(records, inner, records.Count);
                        Data(iop, icontent, schemas, channels, messages, inner);
                        inner = inext;
                    }
                    chunks++;
                    chunkRecords[pos] = records;
                    lastChunkAt = pos;
                    break;
                }
                case McapOpcode.MessageIndex:
                {
                    if (unfinished)
                        break; // the indexes of the last chunk may be missing: none are checked
                    if (lastChunkAt < 0)
                        throw new InvalidDataException($"MCAP: MessageIndex at {pos} follows no chunk");
                    var channel = U16(content, 0);
                    var records = chunkRecords[lastChunkAt];
                    var n = (int)U32(content, 2);
                    for (var e = 0; e < n; e += 16)
                    {
                        var offset = (int)U64(content, 6 + e + 8);
                        if (offset < 0 || offset >= records.Count - 10 || records[offset] != (byte)McapOpcode.Message || U16(records, offset + 9) != channel)
                            throw new InvalidDataException($"MCAP: MessageIndex at {pos} points at byte {offset} of its chunk, which is no " +
                                                           $"message of channel {channel}");
                        indexed++;
                    }
                    break;
                }
                case McapOpcode.DataEnd:
                    var dataCrc = U32(content, 0);
                    if (dataCrc != 0 && Crc32.HashToUInt32(file.AsSpan(0, pos)) != dataCrc)
                        throw new InvalidDataException("MCAP: data section CRC mismatch");
                    dataEnd = true;
                    break;
                case McapOpcode.Footer when unfinished:
                    dataEnd = true;
                    break;
                case McapOpcode.Footer:
                    throw new InvalidDataException($"MCAP: Footer at {pos} before DataEnd");
                default:
                    Data(op, content, schemas, channels, messages, pos);
                    break;
            }
            first = false;
            pos = next;
        }

        McapStatistics? statistics = null;
        if (summaryStart != 0)
        {
            pos = (int)summaryStart;
            while (pos < footerAt)
            {
                var (op, content, next) = Record(file, pos, footerAt);
                if (op == McapOpcode.Statistics)
                {
                    var counts = new Dictionary<ushort, ulong>();
                    var mapLength = (int)U32(content, 42);
                    for (var e = 0; e < mapLength; e += 10)
                        counts[U16(content, 46 + e)] = U64(content, 48 + e);
                    statistics = new McapStatistics(U64(content, 0), U16(content, 8), U32(content, 10), U32(content, 22), U64(content, 26),
                        U64(content, 34), counts);
                }
                else if (op == McapOpcode.ChunkIndex)
                {
                    var chunkAt = (long)U64(content, 16);
                    if (!chunkRecords.ContainsKey(chunkAt))
                        throw new InvalidDataException($"MCAP: ChunkIndex at {pos} points at byte {chunkAt}, which is no chunk");
                }
                pos = next;
            }
            if (statistics is { } s && (s.MessageCount != (ulong)messages.Seen || s.ChunkCount != chunks || s.ChannelCount != channels.Count))
                throw new InvalidDataException($"MCAP: Statistics say {s.MessageCount} messages / {s.ChunkCount} chunks " +
                                               $"/ {s.ChannelCount} channels, " +
                                               $"the data section has {messages.Seen} / {chunks} / {channels.Count}");
        }
        return new McapFile(profile, library, schemas.Values.OrderBy(s => s.Id).ToList(), channels.Values.OrderBy(c => c.Id).ToList(),
            messages.Kept, statistics, chunks, indexed, Finished: !unfinished);
    }

    /// <summary>Every message is counted; those on a wanted topic are copied out and kept.</summary>
    private sealed class Messages(IReadOnlySet<string>? topics)
    {
        private readonly HashSet<ushort> _wanted = [];
        public List<McapMessage> Kept { get; } = [];
        public long Seen { get; private set; }

        public void Channel(McapChannel channel)
        {
            if (topics is null || topics.Contains(channel.Topic))
                _wanted.Add(channel.Id);
            else
                _wanted.Remove(channel.Id);
        }

        public void Add(ushort channel, ArraySegment<byte> content)
        {
            Seen++;
            if (_wanted.Contains(channel))
                Kept.Add(new McapMessage(channel, U32(content, 2), U64(content, 6), U64(content, 14), content[22..].ToArray()));
        }
    }

    private static void Data(McapOpcode op, ArraySegment<byte> content, Dictionary<ushort, McapSchema> schemas,
        Dictionary<ushort, McapChannel> channels, Messages messages, int at)
    {
        var c = 0;
        switch (op)
        {
            case McapOpcode.Schema:
            {
                var id = U16(content, 0);
                c = 2;
                var name = Str(content, ref c);
                var encoding = Str(content, ref c);
                var n = (int)U32(content, c);
                schemas[id] = new McapSchema(id, name, encoding, content.Slice(c + 4, n).ToArray());
                break;
            }
            case McapOpcode.Channel:
            {
                var id = U16(content, 0);
                var schemaId = U16(content, 2);
                c = 4;
                var topic = Str(content, ref c);
                var encoding = Str(content, ref c);
                var mapEnd = c + 4 + (int)U32(content, c);
                c += 4;
                var metadata = new Dictionary<string, string>();
                while (c < mapEnd)
                    metadata[Str(content, ref c)] = Str(content, ref c);
                if (schemaId != 0 && !schemas.ContainsKey(schemaId))
                    throw new InvalidDataException($"MCAP: channel {id} ({topic}) at {at} uses schema {schemaId}, not defined before it");
                channels[id] = new McapChannel(id, schemaId, topic, encoding, metadata);
                messages.Channel(channels[id]);
                break;
            }
            case McapOpcode.Message:
            {
                var channel = U16(content, 0);
                if (!channels.ContainsKey(channel))
                    throw new InvalidDataException($"MCAP: message at {at} on channel {channel}, not defined before it");
                messages.Add(channel, content);
                break;
            }
        }
    }

    /// <summary>The record at <paramref name="pos"/> of <paramref name="data"/>: its content as a slice (no copy).</summary>
    private static (McapOpcode Op, ArraySegment<byte> Content, int Next) Record(ArraySegment<byte> data, int pos, int limit)
    {
        if (pos + 9 > limit)
            throw new InvalidDataException($"MCAP: truncated record header at byte {pos}");
        var length = U64(data, pos + 1);
        if (length > (ulong)(limit - pos - 9))
            throw new InvalidDataException($"MCAP: record at byte {pos} claims {length} bytes, only {limit - pos - 9} remain");
        return ((McapOpcode)data[pos], data.Slice(pos + 9, (int)length), pos + 9 + (int)length);
    }

    private static string Str(ArraySegment<byte> data, ref int c)
    {
        var n = (int)U32(data, c);
        var s = Encoding.UTF8.GetString(data.AsSpan(c + 4, n));
        c += 4 + n;
        return s;
    }

    private static ushort U16(ArraySegment<byte> d, int at) => BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(at));
    private static uint U32(ArraySegment<byte> d, int at) => BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(at));
    private static ulong U64(ArraySegment<byte> d, int at) => BinaryPrimitives.ReadUInt64LittleEndian(d.AsSpan(at));
}
