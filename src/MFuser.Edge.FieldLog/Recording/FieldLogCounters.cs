namespace MFuser.Edge.FieldLog.Recording;

/// <summary>A snapshot of <see cref="FieldLogRecorder"/>'s counters.</summary>
/// <param name="SnapshotsRefused">Snapshots not written because their share of the quota had no room left that
/// deleting older snapshots could make (episode recordings are never deleted for a snapshot).</param>
/// <param name="DiskBytes">Bytes of the <c>*.mcap</c> files in the directory, the open one included, as measured at
/// each file's start and end and every 256 KiB written (the quota checks).</param>
public readonly record struct FieldLogCounters(
    bool Recording,
    long Enqueued,
    long DroppedQueueFull,
    long MessagesWritten,
    int FilesWritten,
    int FilesDeletedForQuota,
    int QuotaStops,
    long WriteErrors,
    int SnapshotsRefused = 0,
    long DiskBytes = 0);

/// <summary>A finished field-log file and how many messages each channel got.</summary>
public sealed record FieldLogFile(string Path, string Reason, IReadOnlyDictionary<string, long> MessagesPerTopic, long Bytes);
