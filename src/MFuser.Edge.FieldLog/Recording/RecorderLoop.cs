using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.FieldLog.Foxglove;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Quota;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>
/// The recorder's writer thread: takes each queued entry into the <see cref="PreTriggerRing"/>, opens a file (that
/// starts with the ring and the camera mount) when the <see cref="TriggerState"/> asks for one, writes while it is
/// wanted, rotates at <see cref="FieldLogOptions.MaxFileBytes"/>, and asks the <see cref="DiskQuota"/> for room before a
/// file opens and every 256 KiB it grows. A disk error is logged, counted and abandons that file only.
/// </summary>
internal sealed class RecorderLoop(FieldLogOptions options, ILogger log)
{
    /// <summary>A snapshot or flush request: the label (snapshots) and what to complete when it is handled.</summary>
    internal sealed record Request(string? Label, TaskCompletionSource<FieldLogFile?> Done);

    private const long QuotaCheckEvery = 256 << 10;
    private const long SummaryReserve = 64 << 10;
    private static readonly TimeSpan RefusalLogInterval = TimeSpan.FromMinutes(1);

    private readonly PreTriggerRing _ring = new(options.PreTrigger, options.PreTriggerMaxBytes);
    private readonly TriggerState _trigger = new(options.PostTrigger);
    private readonly DiskQuota _quota = new(options, log);
    private readonly FoxgloveJsonWriter _json = new();
    private readonly List<FieldLogFile> _files = [];
    private OpenLogFile? _file;
    private CameraMount? _mount;
    private long _written, _errors;
    /// <summary>How long after a write error an abandoned recording that is still wanted is tried again.</summary>
    internal static readonly TimeSpan RetryAfterError = TimeSpan.FromSeconds(5);

    private long? _retryAt;
    private int _filesWritten, _quotaStops, _snapshotsRefused;
    private long _lastRefusalLog;
    private volatile bool _recording;

    public string? LastError { get; private set; }

    public IReadOnlyList<FieldLogFile> Files
    {
        get
        {
            lock (_files)
                return _files.ToList();
        }
    }

    public FieldLogCounters Counters(long enqueued, long dropped) => new(_recording, enqueued, dropped, Interlocked.Read(ref _written),
        Volatile.Read(ref _filesWritten), _quota.FilesDeleted, Volatile.Read(ref _quotaStops), Interlocked.Read(ref _errors),
        Volatile.Read(ref _snapshotsRefused), _quota.UsedBytes);

    /// <summary>What a file may still grow by before the next quota check: the bytes between checks, a chunk that
    /// may be flushed, and the summary written on close.</summary>
    private long Headroom => options.ChunkSize + QuotaCheckEvery + SummaryReserve;

    public void Handle(RecorderItem item)
    {
        try
        {
            Dispatch(item);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _errors);
            LastError = $"{e.GetType().Name}: {e.Message}";
            log.LogError("Field log: writing {File} failed: {Error}; this recording is abandoned (retried in {Retry} s while one is wanted)",
                _file?.Path ?? $"a new file in {options.Directory}", e.Message, RetryAfterError.TotalSeconds);
            Abandon(_file);
            _file = null;
            _retryAt = Stopwatch.GetTimestamp() + (long)(RetryAfterError.TotalSeconds * Stopwatch.Frequency);
        }
        _recording = _file is not null;
    }

    /// <summary>Finishes the open file and empties the ring (the queue is done).</summary>
    public void Finish()
    {
        Close();
        _ring.Clear();
        _recording = false;
    }

    private void Dispatch(RecorderItem item)
    {
        switch (item.Kind)
        {
            case ItemKind.Data or ItemKind.Fix:
                if (_file is not null && !_trigger.Wanted(item.Time))
                    Close();
                // A recording a write error abandoned (disk error, its folder deleted) starts again while still wanted.
                if (_file is null && _retryAt is { } retry && Stopwatch.GetTimestamp() >= retry)
                {
                    _retryAt = null;
                    if (_trigger.Wanted(item.Time))
                        OpenRecording(_trigger.Reason("recording"), item.Time);
                }
                if (_file is not null)
                    WriteRecording(item);
                _ring.Add(item);
                break;
            case ItemKind.Episode:
                var e = (EpisodeEvent)item.State!;
                _trigger.Observe(e, item.Time);
                if (e.Kind == EpisodeEventKind.New && _file?.Kind != LogFileKind.Episode)
                {
                    Close(); // a manual recording goes on in the episode's file, which only newer episodes may delete
                    OpenRecording(_trigger.Reason("episode"), item.Time);
                }
                if (_file is not null)
                    WriteRecording(item);
                _ring.Add(item);
                break;
            case ItemKind.ManualOn:
                _trigger.SetManual(true);
                if (_file is null)
                    OpenRecording("manual", _ring.LastTime ?? RecorderItem.Nanoseconds(DateTimeOffset.UtcNow));
                break;
            case ItemKind.ManualOff:
                _trigger.SetManual(false);
                if (_file is not null && !_trigger.Wanted(_ring.LastTime ?? long.MaxValue))
                    Close();
                break;
            case ItemKind.Mount:
                _mount = (CameraMount)item.State!;
                if (_file is not null)
                    WriteMount(_file, _ring.LastTime ?? RecorderItem.Nanoseconds(DateTimeOffset.UtcNow));
                break;
            case ItemKind.Snapshot:
                var snapshot = (Request)item.State!;
                snapshot.Done.TrySetResult(WriteSnapshot(snapshot.Label ?? "snapshot"));
                break;
            case ItemKind.Flush:
                ((Request)item.State!).Done.TrySetResult(null);
                break;
        }
    }

    /// <summary>Opens the recording file for <paramref name="reason"/> and writes the ring into it.</summary>
    private void OpenRecording(string reason, long time)
    {
        _file = Open(reason, _ring.FirstTime ?? time, Headroom);
        if (_file is null)
        {
            Interlocked.Increment(ref _quotaStops);
            log.LogWarning("Field log: quota {Quota} bytes (snapshots {Snapshots}) / min free {Free} bytes leave no room for a {Reason} recording",
                options.QuotaBytes, options.SnapshotQuotaBytes, options.MinFreeBytes, reason);
            return;
        }
        foreach (var old in _ring)
            Write(_file, old);
    }

    private OpenLogFile? Open(string reason, long firstTime, long incoming)
    {
        var stamp = DateTimeOffset.FromUnixTimeMilliseconds(firstTime / 1_000_000).UtcDateTime
            .ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        var name = $"{stamp}-{Safe(reason)}";
        if (!Directory.Exists(options.Directory))
        {
            Directory.CreateDirectory(options.Directory); // deleted while running: recreated, as at start
            log.LogWarning("Field log: {Dir} was missing and has been created again", options.Directory);
        }
        var path = Path.Combine(options.Directory, name + ".mcap");
        for (var n = 2; File.Exists(path); n++)
            path = Path.Combine(options.Directory, $"{name}-{n}.mcap");
        if (!_quota.MakeRoom(LogFileKinds.Of(Path.GetFileName(path)), null, 0, incoming))
            return null;
        var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.Read, 1 << 16);
        var file = new OpenLogFile(path, reason, new McapWriter(stream, new McapWriterOptions { ChunkSize = options.ChunkSize }), options.Classes);
        if (_mount is not null)
            WriteMount(file, firstTime);
        log.LogInformation("Field log: recording {File}", path);
        return file;
    }

    /// <summary>Writes to the recording file, then rotates it at the size limit or stops it when the quota has no
    /// room left for it.</summary>
    private void WriteRecording(RecorderItem item)
    {
        var file = _file!;
        Write(file, item);
        if (file.Writer.Length - file.CheckedAt < QuotaCheckEvery)
            return;
        file.CheckedAt = file.Writer.Length;
        if (file.Writer.Length >= options.MaxFileBytes)
        {
            Close();
            OpenRecording(_trigger.Reason(file.Reason), item.Time);
        }
        else if (!_quota.MakeRoom(file.Kind, file.Path, file.Writer.Length, Headroom))
        {
            Interlocked.Increment(ref _quotaStops);
            log.LogWarning("Field log: quota reached with nothing left that a {Kind} file may delete; {File} is closed",
                DiskQuota.Name(file.Kind), file.Path);
            Close();
            _trigger.Stop();
        }
    }

    private void Write(OpenLogFile file, RecorderItem item)
    {
        ReadOnlySpan<byte> data = item.Kind == ItemKind.Fix
            ? _json.LocationFix((GeoFix)item.State!, item.Time)
            : item.Channel switch
            {
                FieldLogChannel.CameraJpeg or FieldLogChannel.Overlay => _json.CompressedImage(item.Time, "camera", "jpeg", item.Bytes),
                FieldLogChannel.LabelsPng => _json.CompressedImage(item.Time, "labels", "png", item.Bytes),
                FieldLogChannel.FreeSpaceScan => Scan(item),
                _ => item.Bytes,
            };
        file.Writer.WriteMessage(file.Channel(item.Channel), (ulong)item.Time, (ulong)item.Time, data);
        file.Counts[(int)item.Channel]++;
        Interlocked.Increment(ref _written);
    }

    /// <summary>Unpacks <see cref="FieldLogRecorder.Scan"/>'s doubles: start, end, range max, ranges.</summary>
    private ReadOnlySpan<byte> Scan(RecorderItem item)
    {
        var d = MemoryMarshal.Cast<byte, double>(item.Bytes);
        return _json.LaserScan(item.Time, "base_link", d[0], d[1], d[3..], d[2]);
    }

    private void WriteMount(OpenLogFile file, long time)
    {
        file.Writer.WriteMessage(file.Channel(FieldLogChannel.Transforms), (ulong)time, (ulong)time, _json.FrameTransform(time, _mount!));
        file.Counts[(int)FieldLogChannel.Transforms]++;
        Interlocked.Increment(ref _written);
    }

    /// <summary>The ring in a file of its own, within the snapshot share of the quota (estimated up front: the ring's
    /// bytes, base64-grown, plus headroom; checked again as it grows). Null when refused or the ring is empty.</summary>
    private FieldLogFile? WriteSnapshot(string label)
    {
        if (_ring.FirstTime is not { } first)
            return null;
        var file = Open($"snapshot-{label}", first, _ring.Bytes * 4 / 3 + Headroom);
        if (file is null)
            return RefuseSnapshot(label);
        foreach (var item in _ring)
        {
            Write(file, item);
            if (file.Writer.Length - file.CheckedAt < QuotaCheckEvery)
                continue;
            file.CheckedAt = file.Writer.Length;
            if (!_quota.MakeRoom(LogFileKind.Snapshot, file.Path, file.Writer.Length, Headroom))
            {
                Abandon(file);
                File.Delete(file.Path);
                return RefuseSnapshot(label);
            }
        }
        return Finish(file);
    }

    private FieldLogFile? RefuseSnapshot(string label)
    {
        var refused = Interlocked.Increment(ref _snapshotsRefused);
        if (refused == 1 || Stopwatch.GetElapsedTime(_lastRefusalLog) >= RefusalLogInterval)
        {
            _lastRefusalLog = Stopwatch.GetTimestamp();
            log.LogWarning("Field log: snapshot '{Label}' refused: the snapshot share ({Bytes} bytes, {Files} files) has no room that " +
                           "deleting older snapshots could make, and recordings are never deleted for a snapshot ({Refused} refused so far)",
                label, options.SnapshotQuotaBytes, options.SnapshotMaxFiles, refused);
        }
        return null;
    }

    private void Close()
    {
        if (_file is null)
            return;
        Finish(_file);
        _file = null;
    }

    private FieldLogFile Finish(OpenLogFile file)
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
        _quota.Measure();
        log.LogInformation("Field log: finished {File} ({Bytes} bytes)", file.Path, done.Bytes);
        return done;
    }

    private static void Abandon(OpenLogFile? file)
    {
        try
        {
            file?.Writer.Dispose();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the write that failed has been reported
        }
    }

    /// <summary>A file-name-safe reason: letters, digits, '-' and '_', at most 60 characters.</summary>
    private static string Safe(string reason) =>
        new(reason.Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').Take(60).ToArray());
}
