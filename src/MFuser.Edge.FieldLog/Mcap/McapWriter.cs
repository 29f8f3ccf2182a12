using System.IO.Hashing;

namespace MFuser.Edge.FieldLog.Mcap;

/// <summary>How <see cref="McapWriter"/> lays out a file.</summary>
public sealed record McapWriterOptions
{
    /// <summary>Header profile (empty: none; e.g. <c>ros2</c> for rosbag2 files).</summary>
    public string Profile { get; init; } = "";
    public string Library { get; init; } = "mfuser-edge";

    /// <summary>Uncompressed chunk payload size at which a chunk is closed; 0 writes no chunks (messages go
    /// straight into the data section, and there are no chunk or message indexes).</summary>
    public int ChunkSize { get; init; } = 1 << 20;
}

/// <summary>
/// A spec-conformant MCAP writer (https://mcap.dev/spec): magic, Header, Schema/Channel/Message records in
/// uncompressed Chunks (with CRC-32 of their records) followed by one MessageIndex per channel, DataEnd with the
/// data-section CRC, a summary section (Schemas, Channels, Statistics, ChunkIndexes) with SummaryOffset records, the
/// Footer with the summary CRC, and the closing magic. Schemas and channels are also written into the chunk where
/// they are first used, so a streaming reader of a file cut short by a crash still finds them. Timestamps are
/// nanoseconds since the Unix epoch. Not thread-safe: the field-log recorder drives it from its writer thread.
/// </summary>
public sealed class McapWriter : IDisposable
{
    private readonly Stream _stream;
    private readonly McapWriterOptions _options;
    private readonly McapRecordWriter _record = new();
    private readonly McapRecordWriter _chunk = new(1 << 16);
    private readonly List<(ushort Id, string Name, string Encoding, byte[] Data)> _schemas = [];
    private readonly List<(ushort Id, ushort SchemaId, string Topic, string Encoding, IReadOnlyDictionary<string, string>? Metadata)> _channels = [];
    private readonly HashSet<ushort> _schemasInChunk = [], _channelsInChunk = [];
    private readonly SortedDictionary<ushort, List<(ulong Time, ulong Offset)>> _chunkIndex = [];
    private readonly SortedDictionary<ushort, ulong> _channelCounts = [];
    private readonly List<ChunkIndexEntry> _chunkIndexes = [];
    private readonly Dictionary<ushort, uint> _sequences = [];
    private Crc32 _dataCrc = new();
    private ulong _chunkStart = ulong.MaxValue, _chunkEnd;
    private ulong _messageCount, _start = ulong.MaxValue, _end;
    private long _position;
    private bool _finished;

    public McapWriter(Stream stream, McapWriterOptions? options = null)
    {
        _stream = stream;
        _options = options ?? new McapWriterOptions();
        Emit(McapMagic.Bytes);
        _record.BeginRecord(McapOpcode.Header);
        _record.String(_options.Profile);
        _record.String(_options.Library);
        _record.EndRecord();
        EmitRecord();
    }

    /// <summary>Bytes written to the stream so far plus those waiting in the open chunk.</summary>
    public long Length => _position + _chunk.Length;

    /// <summary>Messages written.</summary>
    public ulong MessageCount => _messageCount;

    /// <summary>Registers a schema; returns its id (≥ 1).</summary>
    public ushort AddSchema(string name, string encoding, ReadOnlySpan<byte> data)
    {
        var id = (ushort)(_schemas.Count + 1);
        _schemas.Add((id, name, encoding, data.ToArray()));
        return id;
    }

    /// <summary>Registers a channel on <paramref name="schemaId"/> (0: schemaless); returns its id.</summary>
    public ushort AddChannel(string topic, string messageEncoding, ushort schemaId, IReadOnlyDictionary<string, string>? metadata = null)
    {
        if (schemaId != 0 && schemaId > _schemas.Count)
            throw new ArgumentException($"schema {schemaId} was not added");
        var id = (ushort)_channels.Count;
        _channels.Add((id, schemaId, topic, messageEncoding, metadata));
        return id;
    }

    /// <summary>Writes one message; <paramref name="logTime"/> and <paramref name="publishTime"/> in ns since the epoch.</summary>
    public void WriteMessage(ushort channelId, ulong logTime, ulong publishTime, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_finished, this);
        if (channelId >= _channels.Count)
            throw new ArgumentException($"channel {channelId} was not added");
        var chunked = _options.ChunkSize > 0;
        var target = chunked ? _chunk : _record;
        var channel = _channels[channelId];
        if (!chunked || _channelsInChunk.Add(channelId))
        {
            if (channel.SchemaId != 0 && (!chunked || _schemasInChunk.Add(channel.SchemaId)))
                WriteSchema(target, _schemas[channel.SchemaId - 1]);
            WriteChannel(target, channel);
        }
        _sequences.TryGetValue(channelId, out var sequence);
        _sequences[channelId] = sequence + 1;
        if (chunked)
        {
            if (!_chunkIndex.TryGetValue(channelId, out var list))
                _chunkIndex[channelId] = list = [];
            list.Add((logTime, (ulong)_chunk.Length));
            _chunkStart = Math.Min(_chunkStart, logTime);
            _chunkEnd = Math.Max(_chunkEnd, logTime);
        }
        target.BeginRecord(McapOpcode.Message);
        target.U16(channelId);
        target.U32(sequence);
        target.U64(logTime);
        target.U64(publishTime);
        target.Raw(data);
        target.EndRecord();
        _messageCount++;
        _start = Math.Min(_start, logTime);
        _end = Math.Max(_end, logTime);
        _channelCounts[channelId] = _channelCounts.GetValueOrDefault(channelId) + 1;
        if (!chunked)
            EmitRecord();
        else if (_chunk.Length >= _options.ChunkSize)
            FlushChunk();
    }

    /// <summary>Closes the open chunk and writes DataEnd, the summary, the summary offsets, the footer and the
    /// closing magic, then flushes the stream (to disk for a <see cref="FileStream"/>). Idempotent.</summary>
    public void Finish()
    {
        if (_finished)
            return;
        FlushChunk();
        _record.BeginRecord(McapOpcode.DataEnd);
        _record.U32(_dataCrc.GetCurrentHashAsUInt32());
        _record.EndRecord();
        EmitRecord();
        _finished = true;

        var summaryCrc = new Crc32();
        _dataCrc = summaryCrc; // from here on, Emit feeds the summary CRC
        var summaryStart = (ulong)_position;
        var groups = new List<(McapOpcode Op, ulong Start, ulong Length)>();
        void Group(McapOpcode op, Action writeAll)
        {
            var start = (ulong)_position;
            writeAll();
            if ((ulong)_position > start)
                groups.Add((op, start, (ulong)_position - start));
        }
        Group(McapOpcode.Schema, () => _schemas.ForEach(s => { WriteSchema(_record, s); EmitRecord(); }));
        Group(McapOpcode.Channel, () => _channels.ForEach(c => { WriteChannel(_record, c); EmitRecord(); }));
        Group(McapOpcode.Statistics, () => { WriteStatistics(); EmitRecord(); });
        Group(McapOpcode.ChunkIndex, () => _chunkIndexes.ForEach(c => { WriteChunkIndex(c); EmitRecord(); }));
        var summaryOffsetStart = (ulong)_position;
        foreach (var (op, start, length) in groups)
        {
            _record.BeginRecord(McapOpcode.SummaryOffset);
            _record.U8((byte)op);
            _record.U64(start);
            _record.U64(length);
            _record.EndRecord();
            EmitRecord();
        }
        _record.U8((byte)McapOpcode.Footer);
        _record.U64(8 + 8 + 4);
        _record.U64(summaryStart);
        _record.U64(summaryOffsetStart);
        summaryCrc.Append(_record.Written); // CRC covers everything from the summary start through summary_offset_start
        _record.U32(summaryCrc.GetCurrentHashAsUInt32());
        _stream.Write(_record.Written);
        _position += _record.Length;
        _record.Clear();
        _stream.Write(McapMagic.Bytes);
        _position += 8;
        if (_stream is FileStream file)
            file.Flush(flushToDisk: true);
        else
            _stream.Flush();
    }

    /// <summary>Finishes the file (if not yet) and disposes the stream.</summary>
    public void Dispose()
    {
        try
        {
            Finish();
        }
        finally
        {
            _stream.Dispose();
        }
    }

    private void FlushChunk()
    {
        if (_chunk.Length == 0)
            return;
        var records = _chunk.Written;
        var chunkStart = (ulong)_position;
        _record.BeginRecord(McapOpcode.Chunk);
        _record.U64(_chunkStart);
        _record.U64(_chunkEnd);
        _record.U64((ulong)records.Length);
        _record.U32(Crc32.HashToUInt32(records));
        _record.String(""); // no compression
        _record.U64((ulong)records.Length);
        _record.Raw(records);
        _record.EndRecord();
        EmitRecord();
        var chunkLength = (ulong)_position - chunkStart;
        var indexOffsets = new SortedDictionary<ushort, ulong>();
        var indexStart = (ulong)_position;
        foreach (var (channel, entries) in _chunkIndex)
        {
            indexOffsets[channel] = (ulong)_position;
            _record.BeginRecord(McapOpcode.MessageIndex);
            _record.U16(channel);
            var at = _record.BeginLengthPrefixed32();
            foreach (var (time, offset) in entries)
            {
                _record.U64(time);
                _record.U64(offset);
            }
            _record.EndLengthPrefixed32(at);
            _record.EndRecord();
            EmitRecord();
        }
        _chunkIndexes.Add(new ChunkIndexEntry(_chunkStart, _chunkEnd, chunkStart, chunkLength, indexOffsets, (ulong)_position - indexStart,
            (ulong)records.Length));
        _chunk.Clear();
        _chunkIndex.Clear();
        _schemasInChunk.Clear();
        _channelsInChunk.Clear();
        _chunkStart = ulong.MaxValue;
        _chunkEnd = 0;
    }

    private static void WriteSchema(McapRecordWriter w, (ushort Id, string Name, string Encoding, byte[] Data) s)
    {
        w.BeginRecord(McapOpcode.Schema);
        w.U16(s.Id);
        w.String(s.Name);
        w.String(s.Encoding);
        w.Bytes32(s.Data);
        w.EndRecord();
    }

    private static void WriteChannel(McapRecordWriter w,
        (ushort Id, ushort SchemaId, string Topic, string Encoding, IReadOnlyDictionary<string, string>? Metadata) c)
    {
        w.BeginRecord(McapOpcode.Channel);
        w.U16(c.Id);
        w.U16(c.SchemaId);
        w.String(c.Topic);
        w.String(c.Encoding);
        w.StringMap(c.Metadata);
        w.EndRecord();
    }

    private void WriteStatistics()
    {
        _record.BeginRecord(McapOpcode.Statistics);
        _record.U64(_messageCount);
        _record.U16((ushort)_schemas.Count);
        _record.U32((uint)_channels.Count);
        _record.U32(0); // attachments
        _record.U32(0); // metadata
        _record.U32((uint)_chunkIndexes.Count);
        _record.U64(_messageCount == 0 ? 0 : _start);
        _record.U64(_end);
        var at = _record.BeginLengthPrefixed32();
        foreach (var (channel, count) in _channelCounts)
        {
            _record.U16(channel);
            _record.U64(count);
        }
        _record.EndLengthPrefixed32(at);
        _record.EndRecord();
    }

    private void WriteChunkIndex(ChunkIndexEntry c)
    {
        _record.BeginRecord(McapOpcode.ChunkIndex);
        _record.U64(c.Start);
        _record.U64(c.End);
        _record.U64(c.Offset);
        _record.U64(c.Length);
        var at = _record.BeginLengthPrefixed32();
        foreach (var (channel, offset) in c.MessageIndexOffsets)
        {
            _record.U16(channel);
            _record.U64(offset);
        }
        _record.EndLengthPrefixed32(at);
        _record.U64(c.MessageIndexLength);
        _record.String("");
        _record.U64(c.UncompressedSize); // compressed size = uncompressed (no compression)
        _record.U64(c.UncompressedSize);
        _record.EndRecord();
    }

    /// <summary>Writes the record buffer to the stream and clears it.</summary>
    private void EmitRecord()
    {
        Emit(_record.Written);
        _record.Clear();
    }

    private void Emit(ReadOnlySpan<byte> bytes)
    {
        _stream.Write(bytes);
        _dataCrc.Append(bytes);
        _position += bytes.Length;
    }

    private sealed record ChunkIndexEntry(ulong Start, ulong End, ulong Offset, ulong Length, SortedDictionary<ushort, ulong> MessageIndexOffsets,
        ulong MessageIndexLength, ulong UncompressedSize);
}
