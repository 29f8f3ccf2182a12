using System.Buffers;
using System.Globalization;
using System.Text.Json;
using System.Threading.Channels;
using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>A snapshot of <see cref="FieldLogRecorder"/>'s counters.</summary>
public readonly record struct FieldLogCounters(
    bool Recording,
    long Enqueued,
    long DroppedQueueFull,
    long MessagesWritten,
    int FilesWritten,
    int FilesDeletedForQuota,
    int QuotaStops,
    long WriteErrors);

/// <summary>A finished field-log file and how many messages each channel got.</summary>
public sealed record FieldLogFile(string Path, string Reason, IReadOnlyDictionary<string, long> MessagesPerTopic, long Bytes);

/// <summary>
/// Records shift episodes (and manual recordings and snapshots) as MCAP files. The hot loop only hands entries over
/// (<see cref="Frame"/>, <see cref="Labels"/>, <see cref="Json"/>, <see cref="Fix"/>, <see cref="Episode"/>): each
/// call copies the bytes into a pooled buffer and queues them; when <see cref="FieldLogOptions.QueueCapacity"/>
/// entries are waiting, the entry is dropped and counted — the caller never waits for the disk. One background task
/// keeps the pre-trigger ring (the last <see cref="FieldLogOptions.PreTrigger"/>, bounded in bytes) and, while a
/// recording is on, writes every entry to the current file. An episode's <c>new</c> opens a file that starts with the
/// ring; its <c>end</c> lets recording run <see cref="FieldLogOptions.PostTrigger"/> longer. Manual recording
/// (<see cref="SetRecording"/>, the MQTT <c>recording</c> setting) works the same way; <see cref="Snapshot"/> (the
/// MQTT <c>snapshot</c> command) writes the ring to a file of its own. Files rotate at
/// <see cref="FieldLogOptions.MaxFileBytes"/>; before a file opens and as it grows the quota deletes the oldest
/// <c>.mcap</c> files so that all of them stay within <see cref="FieldLogOptions.QuotaBytes"/> and the file system
/// keeps <see cref="FieldLogOptions.MinFreeBytes"/> free; when nothing older is left to delete, recording stops
/// (counted). Disk errors are logged and counted; the recorder carries on.
/// </summary>
public sealed class FieldLogRecorder : IAsyncDisposable
{
    private const long QuotaCheckEvery = 256 << 10;
    private const long SummaryReserve = 64 << 10;

    private readonly FieldLogOptions _options;
    private readonly ILogger _log;
    private readonly Channel<Item> _queue = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly LinkedList<Item> _ring = new();
    private readonly List<FieldLogFile> _files = [];
    private readonly ArrayBufferWriter<byte> _json = new(1 << 16);
    private readonly Utf8JsonWriter _jsonWriter;
    private Task _writer = Task.CompletedTask;
    private int _waiting;
    private long _enqueued, _dropped, _written, _errors;
    private int _filesWritten, _deleted, _quotaStops;
    private long _ringBytes;
    private OpenFile? _file;
    private string? _episode;
    private bool _manual;
    private long _postUntil = long.MinValue;
    private long _lastQuotaCheck;
    private volatile bool _recording;

    public FieldLogRecorder(FieldLogOptions options, ILogger<FieldLogRecorder>? logger = null)
    {
        options.Validate();
        _options = options;
        _log = logger ?? (ILogger)NullLogger.Instance;
        _jsonWriter = new Utf8JsonWriter(_json);
        Directory.CreateDirectory(options.Directory);
    }

    /// <summary>Starts the writer task.</summary>
    public void Start() => _writer = Task.Factory.StartNew(WriteLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();

    public FieldLogCounters Counters => new(_recording, Interlocked.Read(ref _enqueued), Interlocked.Read(ref _dropped), Interlocked.Read(ref _written),
        Volatile.Read(ref _filesWritten), Volatile.Read(ref _deleted), Volatile.Read(ref _quotaStops), Interlocked.Read(ref _errors));

    /// <summary>The last disk error (null: none), for the status line.</summary>
    public string? LastError { get; private set; }

    /// <summary>Files finished so far (oldest first), including ones the quota later deleted.</summary>
    public IReadOnlyList<FieldLogFile> Files
    {
        get
        {
            lock (_files)
                return _files.ToList();
        }
    }

    /// <summary>A camera frame, JPEG-encoded by the caller.</summary>
    public bool Frame(in FrameStamp frame, ReadOnlySpan<byte> jpeg) => Data(FieldLogChannel.CameraJpeg, frame.CapturedAt, jpeg);

    /// <summary>A label map, PNG-encoded by the caller (pixel = class id, as on the <c>segmentation</c> topic).</summary>
    public bool Labels(in FrameStamp frame, ReadOnlySpan<byte> png) => Data(FieldLogChannel.LabelsPng, frame.CapturedAt, png);

    /// <summary>A JSON document on <see cref="FieldLogChannel.Drivable"/> or <see cref="FieldLogChannel.ShiftSignals"/>.</summary>
    public bool Json(FieldLogChannel channel, in FrameStamp frame, ReadOnlySpan<byte> json) =>
        channel is FieldLogChannel.Drivable or FieldLogChannel.ShiftSignals
            ? Data(channel, frame.CapturedAt, json)
            : throw new ArgumentException($"{channel} is not a JSON channel; use Frame, Labels, Fix or Episode");

    /// <summary>A GPS fix (recorded as foxglove.LocationFix at the fix's time).</summary>
    public bool Fix(GeoFix fix) => Enqueue(new Item(ItemKind.Fix, FieldLogChannel.Gps, Nanoseconds(fix.Time), null, 0, fix), data: true);

    /// <summary>An episode event and its JSON payload (as published on <c>domain_shift</c>): <c>new</c> starts
    /// recording, <c>end</c> stops it after the post-trigger time. Never dropped.</summary>
    public void Episode(EpisodeEvent e, ReadOnlySpan<byte> json)
    {
        var buffer = Rent(json);
        Enqueue(new Item(ItemKind.Episode, FieldLogChannel.ShiftEvents, Nanoseconds(e.Frame.CapturedAt), buffer, json.Length, e), data: false);
    }

    /// <summary>Manual recording on/off (the MQTT <c>recording</c> setting). Never dropped.</summary>
    public void SetRecording(bool on) => Enqueue(new Item(on ? ItemKind.ManualOn : ItemKind.ManualOff, default, 0, null, 0, null), data: false);

    /// <summary>Writes the pre-trigger ring to a file of its own (the MQTT <c>snapshot</c> command); completes with
    /// that file (null when the ring was empty or writing failed).</summary>
    public Task<FieldLogFile?> Snapshot(string label = "snapshot")
    {
        var done = new TaskCompletionSource<FieldLogFile?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Item(ItemKind.Snapshot, default, 0, null, 0, (label, done)), data: false);
        return done.Task;
    }

    /// <summary>Completes once everything queued before it has been handled (tests, shutdown).</summary>
    public Task FlushAsync()
    {
        var done = new TaskCompletionSource<FieldLogFile?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Enqueue(new Item(ItemKind.Flush, default, 0, null, 0, done), data: false);
        return done.Task;
    }

    /// <summary>Handles what is queued, finishes the open file and stops the writer task.</summary>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _writer.ConfigureAwait(false);
    }

    private bool Data(FieldLogChannel channel, DateTimeOffset time, ReadOnlySpan<byte> bytes)
    {
        if (Volatile.Read(ref _waiting) >= _options.QueueCapacity)
        {
            Interlocked.Increment(ref _dropped);
            return false;
        }
        return Enqueue(new Item(ItemKind.Data, channel, Nanoseconds(time), Rent(bytes), bytes.Length, null), data: true);
    }

    private bool Enqueue(Item item, bool data)
    {
        if (data && Interlocked.Increment(ref _waiting) > _options.QueueCapacity)
        {
            Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _dropped);
            Return(item);
            return false;
        }
        if (!_queue.Writer.TryWrite(item))
        {
            if (data)
                Interlocked.Decrement(ref _waiting);
            Interlocked.Increment(ref _dropped);
            Return(item);
            return false;
        }
        Interlocked.Increment(ref _enqueued);
        return true;
    }

    private async Task WriteLoopAsync()
    {
        await foreach (var item in _queue.Reader.ReadAllAsync().ConfigureAwait(false))
        {
            if (item.Kind is ItemKind.Data or ItemKind.Fix)
                Interlocked.Decrement(ref _waiting);
            try
            {
                Handle(item);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Interlocked.Increment(ref _errors);
                LastError = $"{e.GetType().Name}: {e.Message}";
                _log.LogError("Field log: writing {File} failed: {Error}; this recording is abandoned", _file?.Path, e.Message);
                AbandonFile();
            }
        }
        CloseFile();
        foreach (var item in _ring)
            Return(item);
        _ring.Clear();
    }

    private void Handle(Item item)
    {
        switch (item.Kind)
        {
            case ItemKind.Data:
            case ItemKind.Fix:
                AddToRing(item);
                if (_file is not null && !Wanted(item.Time))
                    CloseFile();
                if (_file is not null)
                    Write(_file, item);
                break;
            case ItemKind.Episode:
                var e = (EpisodeEvent)item.State!;
                if (e.Kind == EpisodeEventKind.New)
                {
                    _episode = e.EpisodeId;
                    if (_file is null)
                        OpenWithRing($"episode-{e.EpisodeId[..Math.Min(12, e.EpisodeId.Length)]}", item.Time);
                }
                else if (e.Kind == EpisodeEventKind.End && _episode == e.EpisodeId)
                {
                    _episode = null;
                    _postUntil = item.Time + (long)_options.PostTrigger.TotalMicroseconds * 1000;
                }
                AddToRing(item);
                if (_file is not null)
                    Write(_file, item);
                break;
            case ItemKind.ManualOn:
                _manual = true;
                if (_file is null)
                    OpenWithRing("manual", _ring.Last?.Value.Time ?? Nanoseconds(DateTimeOffset.UtcNow));
                break;
            case ItemKind.ManualOff:
                _manual = false;
                if (_file is not null && !Wanted(_ring.Last?.Value.Time ?? long.MaxValue))
                    CloseFile();
                break;
            case ItemKind.Snapshot:
                var (label, done) = ((string, TaskCompletionSource<FieldLogFile?>))item.State!;
                done.TrySetResult(WriteSnapshot(label));
                break;
            case ItemKind.Flush:
                ((TaskCompletionSource<FieldLogFile?>)item.State!).TrySetResult(null);
                break;
        }
        _recording = _file is not null;
    }

    /// <summary>What a file may still grow by before the next quota check: the bytes between checks, a chunk that
    /// may be flushed, and the summary written on close.</summary>
    private long Headroom => _options.ChunkSize + QuotaCheckEvery + SummaryReserve;

    private bool Wanted(long time) => _episode is not null || _manual || time <= _postUntil;

    private void AddToRing(Item item)
    {
        _ring.AddLast(item);
        _ringBytes += item.Length;
        var horizon = item.Time - (long)_options.PreTrigger.TotalMicroseconds * 1000;
        while (_ring.First is { } first && (first.Value.Time < horizon || _ringBytes > _options.PreTriggerMaxBytes))
        {
            _ringBytes -= first.Value.Length;
            _ring.RemoveFirst();
            Return(first.Value);
        }
    }

    private void OpenWithRing(string reason, long time)
    {
        _file = Open(reason, time);
        if (_file is null)
            return;
        foreach (var old in _ring)
            Write(_file, old);
    }

    private OpenFile? Open(string reason, long time)
    {
        var stamp = DateTimeOffset.FromUnixTimeMilliseconds(time / 1_000_000).UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        var path = Path.Combine(_options.Directory, $"{stamp}-{reason}.mcap");
        for (var n = 2; File.Exists(path); n++)
            path = Path.Combine(_options.Directory, $"{stamp}-{reason}-{n}.mcap");
        if (!EnforceQuota(current: null, incoming: Headroom))
        {
            _quotaStops++;
            _log.LogWarning("Field log: quota {Quota} bytes / min free {Free} bytes leave no room for {File}; not recording",
                _options.QuotaBytes, _options.MinFreeBytes, path);
            return null;
        }
        var file = new OpenFile(path, reason, new McapWriter(new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16),
            new McapWriterOptions { ChunkSize = _options.ChunkSize }));
        _lastQuotaCheck = 0;
        _log.LogInformation("Field log: recording {File}", path);
        return file;
    }

    private void Write(OpenFile file, Item item)
    {
        var channel = file.Channel(item.Channel);
        ReadOnlySpan<byte> data = item.Kind switch
        {
            ItemKind.Fix => LocationFixJson((GeoFix)item.State!, item.Time),
            _ when item.Channel is FieldLogChannel.CameraJpeg or FieldLogChannel.LabelsPng =>
                CompressedImageJson(item, item.Channel == FieldLogChannel.CameraJpeg ? "camera" : "labels", item.Channel == FieldLogChannel.CameraJpeg ? "jpeg" : "png"),
            _ => item.Buffer.AsSpan(0, item.Length),
        };
        file.Writer.WriteMessage(channel, (ulong)item.Time, (ulong)item.Time, data);
        file.Counts[(int)item.Channel]++;
        Interlocked.Increment(ref _written);
        if (file.Writer.Length - _lastQuotaCheck < QuotaCheckEvery)
            return;
        _lastQuotaCheck = file.Writer.Length;
        if (file.Writer.Length >= _options.MaxFileBytes)
        {
            var reason = file.Reason;
            CloseFile();
            _file = Open(reason, item.Time);
        }
        else if (!EnforceQuota(file, incoming: Headroom))
        {
            _quotaStops++;
            _log.LogWarning("Field log: quota reached with nothing older left to delete; {File} is closed", file.Path);
            CloseFile();
            _episode = null;
            _manual = false;
            _postUntil = long.MinValue;
        }
    }

    /// <summary>Deletes the oldest finished files until the directory (plus <paramref name="incoming"/> bytes) fits the
    /// quota and the file system keeps its free reserve. False when that is impossible.</summary>
    private bool EnforceQuota(OpenFile? current, long incoming)
    {
        var files = new DirectoryInfo(_options.Directory).GetFiles("*.mcap")
            .Where(f => current is null || f.FullName != Path.GetFullPath(current.Path))
            .OrderBy(f => f.Name, StringComparer.Ordinal)
            .ToList();
        var currentBytes = current?.Writer.Length ?? 0;
        long Used() => files.Sum(f => f.Length) + currentBytes + incoming;
        long Free()
        {
            try
            {
                return new DriveInfo(Path.GetFullPath(_options.Directory)).AvailableFreeSpace - incoming;
            }
            catch (Exception e) when (e is IOException or ArgumentException)
            {
                return long.MaxValue;
            }
        }
        while (Used() > _options.QuotaBytes || Free() < _options.MinFreeBytes)
        {
            if (files.Count == 0)
                return false;
            var oldest = files[0];
            files.RemoveAt(0);
            var bytes = oldest.Length;
            oldest.Delete();
            _deleted++;
            _log.LogInformation("Field log: deleted {File} ({Bytes} bytes) to stay within the quota", oldest.Name, bytes);
        }
        return true;
    }

    private FieldLogFile? WriteSnapshot(string label)
    {
        if (_ring.Count == 0)
            return null;
        var safe = new string(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(40).ToArray());
        var file = Open($"snapshot-{safe}", _ring.Last!.Value.Time);
        if (file is null)
            return null;
        foreach (var item in _ring)
            Write(file, item);
        return Finish(file);
    }

    private void CloseFile()
    {
        if (_file is null)
            return;
        Finish(_file);
        _file = null;
        _recording = false;
    }

    private FieldLogFile Finish(OpenFile file)
    {
        file.Writer.Dispose();
        var counts = new Dictionary<string, long>();
        for (var i = 0; i < FieldLogChannels.Count; i++)
            if (file.Counts[i] > 0)
                counts[FieldLogChannels.Topics[i]] = file.Counts[i];
        var done = new FieldLogFile(file.Path, file.Reason, counts, new FileInfo(file.Path).Length);
        lock (_files)
            _files.Add(done);
        Interlocked.Increment(ref _filesWritten);
        _log.LogInformation("Field log: finished {File} ({Bytes} bytes)", file.Path, done.Bytes);
        return done;
    }

    private void AbandonFile()
    {
        try
        {
            _file?.Writer.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // already reported
        }
        _file = null;
        _recording = false;
    }

    private ReadOnlySpan<byte> CompressedImageJson(Item item, string frameId, string format)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        _jsonWriter.WriteStartObject();
        WriteTimestamp(item.Time);
        _jsonWriter.WriteString("frame_id"u8, frameId);
        _jsonWriter.WriteString("format"u8, format);
        _jsonWriter.WriteBase64String("data"u8, item.Buffer.AsSpan(0, item.Length));
        _jsonWriter.WriteEndObject();
        _jsonWriter.Flush();
        return _json.WrittenSpan;
    }

    private ReadOnlySpan<byte> LocationFixJson(GeoFix fix, long time)
    {
        _json.ResetWrittenCount();
        _jsonWriter.Reset(_json);
        _jsonWriter.WriteStartObject();
        WriteTimestamp(time);
        _jsonWriter.WriteString("frame_id"u8, "gps");
        _jsonWriter.WriteNumber("latitude"u8, fix.Latitude);
        _jsonWriter.WriteNumber("longitude"u8, fix.Longitude);
        _jsonWriter.WriteNumber("altitude"u8, fix.AltitudeM ?? 0);
        _jsonWriter.WriteStartArray("position_covariance"u8);
        // HDOP × an assumed 5 m user range error as a horizontal σ (covariance type 1 = approximated), else unknown
        var variance = fix.Hdop is { } hdop ? Math.Pow(hdop * 5, 2) : 0;
        for (var i = 0; i < 9; i++)
            _jsonWriter.WriteNumberValue(i is 0 or 4 ? variance : i == 8 ? variance * 4 : 0);
        _jsonWriter.WriteEndArray();
        _jsonWriter.WriteNumber("position_covariance_type"u8, fix.Hdop is null ? 0 : 1);
        _jsonWriter.WriteEndObject();
        _jsonWriter.Flush();
        return _json.WrittenSpan;
    }

    private void WriteTimestamp(long ns)
    {
        _jsonWriter.WriteStartObject("timestamp"u8);
        _jsonWriter.WriteNumber("sec"u8, ns / 1_000_000_000);
        _jsonWriter.WriteNumber("nsec"u8, ns % 1_000_000_000);
        _jsonWriter.WriteEndObject();
    }

    private static long Nanoseconds(DateTimeOffset t) => (t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    private static byte[] Rent(ReadOnlySpan<byte> bytes)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Max(1, bytes.Length));
        bytes.CopyTo(buffer);
        return buffer;
    }

    private static void Return(Item item)
    {
        if (item.Buffer is { } b)
            ArrayPool<byte>.Shared.Return(b);
    }

    private enum ItemKind
    {
        Data,
        Fix,
        Episode,
        ManualOn,
        ManualOff,
        Snapshot,
        Flush,
    }

    private readonly record struct Item(ItemKind Kind, FieldLogChannel Channel, long Time, byte[]? Buffer, int Length, object? State);

    private sealed class OpenFile(string path, string reason, McapWriter writer)
    {
        private readonly ushort[] _channels = Enumerable.Repeat(ushort.MaxValue, FieldLogChannels.Count).ToArray();
        private readonly Dictionary<string, ushort> _schemas = [];

        public string Path { get; } = path;
        public string Reason { get; } = reason;
        public McapWriter Writer { get; } = writer;
        public long[] Counts { get; } = new long[FieldLogChannels.Count];

        /// <summary>The MCAP channel id of <paramref name="channel"/>, registered on first use.</summary>
        public ushort Channel(FieldLogChannel channel)
        {
            ref var id = ref _channels[(int)channel];
            if (id != ushort.MaxValue)
                return id;
            var (name, schema) = FieldLogChannels.SchemaOf(channel);
            if (!_schemas.TryGetValue(name, out var schemaId))
                _schemas[name] = schemaId = Writer.AddSchema(name, "jsonschema", schema);
            id = Writer.AddChannel(FieldLogChannels.Topics[(int)channel], "json", schemaId);
            return id;
        }
    }
}
