using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Win32.SafeHandles;

namespace MFuser.Edge.Messaging.Spool;

/// <summary>Where and how big the <see cref="DiskSpool"/> is.</summary>
public sealed record DiskSpoolOptions
{
    /// <summary>The spool directory (created if missing; owned by one process at a time).</summary>
    public required string Directory { get; init; }

    /// <summary>Upper bound of the spool's segment files together; a message that would exceed it is refused.</summary>
    public long MaxBytes { get; init; } = 64L << 20;

    /// <summary>A segment file is closed and a new one started once it reaches this size.</summary>
    public long SegmentBytes { get; init; } = 1L << 20;

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Directory))
            throw new ArgumentException("spool directory must not be empty");
        if (SegmentBytes < 4096)
            throw new ArgumentException($"spool segment_bytes = {SegmentBytes}: must be ≥ 4096");
        if (MaxBytes < SegmentBytes)
            throw new ArgumentException($"spool max_bytes = {MaxBytes}: must be ≥ segment_bytes ({SegmentBytes})");
    }
}

/// <summary>
/// The disk spool: a must-deliver store (<see cref="IMustDeliverStore"/>) on disk: an append-only log of segment files
/// (<c>&lt;n&gt;.seg</c>, 16 hex digits) plus a <c>cursor</c> file naming the oldest unacknowledged record. It
/// survives a daemon restart or crash: <see cref="TryAdd"/> returns only after the record is fsync'd, and
/// <see cref="RemoveOldest"/> (called by <see cref="MqttLink"/> after the broker's PUBACK) advances the cursor with an
/// fsync'd write, so after a crash at most the one message in flight is sent again (at-least-once).
/// <para>Record: <c>u32 body length | u32 CRC-32 of body | body</c>, body = <c>u16 topic length | topic (UTF-8) |
/// u8 flags (bit 0 retain) | payload</c>, little-endian. The cursor file holds two 32-byte slots written alternately
/// (<c>u64 generation | u64 segment | u64 offset | u32 CRC-32 | u32 0</c>); the valid slot with the higher generation
/// wins, so a torn cursor write falls back to the previous position (one extra redelivery, never a loss). On open,
/// records are scanned from the cursor; a torn record (crash during append) or a corrupt one is cut off with the rest
/// of its segment and counted in <see cref="TornRecords"/>; later segments are still read.</para>
/// <para>Bound: when the segments would exceed <see cref="DiskSpoolOptions.MaxBytes"/>, <see cref="TryAdd"/> refuses
/// the new message (MqttLink counts it as <c>must_deliver_refused</c>) rather than dropping the oldest: the
/// delivered stream stays a gap-free prefix of what was produced, an episode's <c>new</c> is never lost while its
/// <c>update</c>s survive, and refusing needs no rewrite of an fsync'd log. At ~1 KB per event the default
/// 64 MiB hold tens of thousands of events — days of outage at realistic episode rates.</para>
/// Thread-safe (one lock; the producer's <see cref="TryAdd"/> waits for its fsync, typically 1–10 ms on flash).
/// </summary>
public sealed class DiskSpool : IMustDeliverStore, IDisposable
{
    private const int RecordHeader = 8;
    private const int SlotSize = 32;
    private const string CursorName = "cursor";
    private const string SegmentExtension = ".seg";
    private const long RollWhenDrainedBytes = 64 << 10;

    private readonly DiskSpoolOptions _options;
    private readonly ILogger _log;
    private readonly Lock _lock = new();
    private readonly Queue<RecordLocation> _pending = new();
    private readonly SortedDictionary<long, long> _segmentSizes = [];
    private readonly SafeFileHandle _cursor;
    private FileStream _writer = null!;
    private long _writeSegment;
    private long _generation;
    private MustDeliverMessage? _head;
    private (long Segment, SafeFileHandle Handle)? _reader;
    private bool _disposed;
    private bool _writerFailed;
    private long _lastWriteErrorLog;

    /// <summary>Opens (or creates) the spool in <see cref="DiskSpoolOptions.Directory"/> and recovers what an earlier
    /// process left there.</summary>
    /// <exception cref="IOException">The directory cannot be created or written; the message names it.</exception>
    public DiskSpool(DiskSpoolOptions options, ILogger? logger = null)
    {
        options.Validate();
        _options = options;
        _log = logger ?? NullLogger.Instance;
        try
        {
            Directory.CreateDirectory(options.Directory);
            _cursor = File.OpenHandle(Path.Combine(options.Directory, CursorName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"spool directory {options.Directory}: {e.Message}", e);
        }
        Recover();
    }

    /// <summary>Messages waiting for acknowledgement.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
                return _pending.Count;
        }
    }

    /// <summary>Bytes of all segment files (what <see cref="DiskSpoolOptions.MaxBytes"/> bounds).</summary>
    public long Bytes
    {
        get
        {
            lock (_lock)
                return _segmentSizes.Values.Sum();
        }
    }

    public bool SurvivesRestart => true;

    /// <summary>Messages refused because the spool was full or their write failed.</summary>
    public long Refused { get; private set; }

    /// <summary>Torn or corrupt records found (and skipped) when the spool was opened.</summary>
    public long TornRecords { get; private set; }

    /// <summary>Messages found waiting when the spool was opened.</summary>
    public int Recovered { get; private set; }

    public bool TryAdd(MustDeliverMessage message)
    {
        var topic = Encoding.UTF8.GetBytes(message.Topic);
        if (topic.Length > ushort.MaxValue)
            throw new ArgumentException($"topic is {topic.Length} bytes, the spool allows {ushort.MaxValue}");
        var bodyLength = 2 + topic.Length + 1 + message.Payload.Length;
        var record = new byte[RecordHeader + bodyLength];
        var body = record.AsSpan(RecordHeader);
        BinaryPrimitives.WriteUInt16LittleEndian(body, (ushort)topic.Length);
        topic.CopyTo(body[2..]);
        body[2 + topic.Length] = (byte)(message.Retain ? 1 : 0);
        message.Payload.CopyTo(body[(3 + topic.Length)..]);
        BinaryPrimitives.WriteInt32LittleEndian(record, bodyLength);
        BinaryPrimitives.WriteUInt32LittleEndian(record.AsSpan(4), Crc32.HashToUInt32(body));
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_segmentSizes.Values.Sum() + record.Length > _options.MaxBytes)
            {
                Refused++;
                return false;
            }
            long offset = -1;
            try
            {
                if (_writerFailed || (_writer.Length > 0 && _writer.Length + record.Length > _options.SegmentBytes))
                    StartSegment(_writeSegment + 1);
                _writerFailed = false;
                offset = _writer.Length;
                _writer.Write(record);
                _writer.Flush(flushToDisk: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                RefuseAfterWriteError(e, offset);
                return false;
            }
            _segmentSizes[_writeSegment] = _writer.Length;
            _pending.Enqueue(new RecordLocation(_writeSegment, offset, record.Length));
            return true;
        }
    }

    /// <summary>A write that failed (disk full, file made read-only or immutable, I/O error) refuses the message like a
    /// full spool, logged at most once a minute. The next message goes to a new segment, so no good record ever follows
    /// a torn one (recovery cuts a segment at its first torn record).</summary>
    private void RefuseAfterWriteError(Exception e, long offset)
    {
        Refused++;
        _writerFailed = true;
        try
        {
            if (offset >= 0)
                _writer.SetLength(offset);
        }
        catch (Exception again) when (again is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            // the new segment keeps later records clear of whatever the failed write left
        }
        LogWriteError($"a write failed, the message is refused ({Refused} refused so far)", e);
    }

    private void LogWriteError(string what, Exception e)
    {
        if (_lastWriteErrorLog != 0 && Stopwatch.GetElapsedTime(_lastWriteErrorLog) < TimeSpan.FromMinutes(1))
            return;
        _lastWriteErrorLog = Stopwatch.GetTimestamp();
        _log.LogWarning("must-deliver spool {Dir}: {What}: {Error} (logged at most once a minute)", _options.Directory, what, e.Message);
    }

    public bool TryPeek(out MustDeliverMessage message)
    {
        lock (_lock)
        {
            if (_head is null && _pending.TryPeek(out var location))
                _head = Read(location);
            message = _head!;
            return _head is not null;
        }
    }

    public void RemoveOldest()
    {
        lock (_lock)
        {
            if (_disposed || !_pending.TryDequeue(out var removed))
                return;
            _head = null;
            try
            {
                if (_pending.TryPeek(out var next))
                {
                    WriteCursor(next.Segment, next.Offset);
                    if (next.Segment != removed.Segment)
                        DeleteSegmentsBefore(next.Segment);
                }
                else
                {
                    // Drained. Acknowledged records still occupy the write segment; once that is worth a file, start a
                    // fresh one and delete the rest, so they never eat into the bound for long.
                    if (_writer.Length >= RollWhenDrainedBytes)
                        StartSegment(_writeSegment + 1);
                    WriteCursor(_writeSegment, _writer.Length);
                    DeleteSegmentsBefore(_writeSegment);
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // The message is delivered; a cursor left behind only means it is sent again after a restart.
                LogWriteError("moving the cursor past a delivered message failed", e);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _disposed = true;
            _writer.Dispose();
            _reader?.Handle.Dispose();
            _cursor.Dispose();
        }
    }

    private void Recover()
    {
        var (cursorSegment, cursorOffset) = ReadCursor();
        var segments = Directory.EnumerateFiles(_options.Directory, "*" + SegmentExtension)
            .Select(p => (Path: p, Id: ParseSegmentId(p)))
            .Where(s => s.Id >= 0)
            .OrderBy(s => s.Id)
            .ToList();
        foreach (var (path, id) in segments)
        {
            if (id < cursorSegment)
            {
                File.Delete(path);
                continue;
            }
            var data = File.ReadAllBytes(path);
            var offset = id == cursorSegment ? (int)Math.Min(cursorOffset, data.Length) : 0;
            while (offset < data.Length)
            {
                if (data.Length - offset < RecordHeader || BinaryPrimitives.ReadInt32LittleEndian(data.AsSpan(offset)) is var length &&
                    (length < 3 || length > data.Length - offset - RecordHeader) ||
                    Crc32.HashToUInt32(data.AsSpan(offset + RecordHeader, length)) != BinaryPrimitives.ReadUInt32LittleEndian(data.AsSpan(offset + 4)))
                {
                    TornRecords++;
                    _log.LogWarning("Spool: {File} has a torn or corrupt record at byte {Offset}; the rest of that segment is cut off", path, offset);
                    using (var cut = new FileStream(path, FileMode.Open, FileAccess.Write))
                    {
                        cut.SetLength(offset);
                        cut.Flush(flushToDisk: true);
                    }
                    data = data.AsSpan(0, offset).ToArray();
                    break;
                }
                _pending.Enqueue(new RecordLocation(id, offset, RecordHeader + length));
                offset += RecordHeader + length;
            }
            _segmentSizes[id] = data.Length;
        }
        Recovered = _pending.Count;
        var last = segments.Count > 0 ? Math.Max(segments[^1].Id, cursorSegment) : cursorSegment;
        StartSegment(last + 1);
        if (_pending.TryPeek(out var first))
            WriteCursor(first.Segment, first.Offset);
        else
        {
            WriteCursor(_writeSegment, 0);
            DeleteSegmentsBefore(_writeSegment);
        }
        if (Recovered > 0)
            _log.LogInformation("Spool: {Count} must-deliver messages from an earlier run wait in {Dir}", Recovered, _options.Directory);
    }

    private void StartSegment(long id)
    {
        // Opened before the old one is closed: when the open fails, the current writer stays usable.
        var next = new FileStream(SegmentPath(id), FileMode.Append, FileAccess.Write, FileShare.Read, 4096, FileOptions.None);
        _writer?.Dispose();
        _writeSegment = id;
        _writer = next;
        _segmentSizes[id] = _writer.Length;
        DurableFile.SyncDirectory(_options.Directory);
    }

    private void DeleteSegmentsBefore(long id)
    {
        var old = _segmentSizes.Keys.Where(k => k < id).ToList();
        if (old.Count == 0)
            return;
        foreach (var k in old)
        {
            if (_reader is { } r && r.Segment == k)
            {
                r.Handle.Dispose();
                _reader = null;
            }
            File.Delete(SegmentPath(k));
            _segmentSizes.Remove(k);
        }
        DurableFile.SyncDirectory(_options.Directory);
    }

    private MustDeliverMessage Read(RecordLocation location)
    {
        if (_reader is not { } r || r.Segment != location.Segment)
        {
            _reader?.Handle.Dispose();
            _reader = (location.Segment, File.OpenHandle(SegmentPath(location.Segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        var record = new byte[location.Length];
        var read = RandomAccess.Read(_reader.Value.Handle, record, location.Offset);
        if (read != record.Length)
            throw new IOException($"spool segment {SegmentPath(location.Segment)}: short read at {location.Offset}");
        var body = record.AsSpan(RecordHeader);
        var topicLength = BinaryPrimitives.ReadUInt16LittleEndian(body);
        var topic = Encoding.UTF8.GetString(body.Slice(2, topicLength));
        var retain = (body[2 + topicLength] & 1) != 0;
        return new MustDeliverMessage(topic, body[(3 + topicLength)..].ToArray(), retain);
    }

    private (long Segment, long Offset) ReadCursor()
    {
        Span<byte> slots = stackalloc byte[2 * SlotSize];
        var read = RandomAccess.Read(_cursor, slots, 0);
        (long Segment, long Offset) best = (0, 0);
        for (var s = 0; s < 2; s++)
        {
            if (read < (s + 1) * SlotSize)
                break;
            var slot = slots.Slice(s * SlotSize, SlotSize);
            if (Crc32.HashToUInt32(slot[..24]) != BinaryPrimitives.ReadUInt32LittleEndian(slot[24..]))
                continue;
            var generation = BinaryPrimitives.ReadInt64LittleEndian(slot);
            if (generation <= _generation)
                continue;
            _generation = generation;
            best = (BinaryPrimitives.ReadInt64LittleEndian(slot[8..]), BinaryPrimitives.ReadInt64LittleEndian(slot[16..]));
        }
        return best;
    }

    private void WriteCursor(long segment, long offset)
    {
        _generation++;
        Span<byte> slot = stackalloc byte[SlotSize];
        slot.Clear();
        BinaryPrimitives.WriteInt64LittleEndian(slot, _generation);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], segment);
        BinaryPrimitives.WriteInt64LittleEndian(slot[16..], offset);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[24..], Crc32.HashToUInt32(slot[..24]));
        RandomAccess.Write(_cursor, slot, (_generation % 2) * SlotSize);
        RandomAccess.FlushToDisk(_cursor);
    }

    private string SegmentPath(long id) => Path.Combine(_options.Directory, id.ToString("x16", CultureInfo.InvariantCulture) + SegmentExtension);

    private static long ParseSegmentId(string path) =>
        long.TryParse(Path.GetFileNameWithoutExtension(path), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var id) ? id : -1;

    private readonly record struct RecordLocation(long Segment, long Offset, int Length);
}
