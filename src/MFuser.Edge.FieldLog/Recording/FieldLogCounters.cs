namespace MFuser.Edge.FieldLog.Recording;

/// <summary>A snapshot of <see cref="FieldLogRecorder"/>'s counters.</summary>
/// <param name="SnapshotsRefused">Snapshots not written because their share of the quota had no room left that
/// deleting older snapshots could make (episode recordings are never deleted for a snapshot).</param>
public readonly record struct FieldLogCounters(
    bool Recording,
    long Enqueued,
    long DroppedQueueFull,
    long MessagesWritten,
    int FilesWritten,
    int FilesDeletedForQuota,
    int QuotaStops,
    long WriteErrors,
    int SnapshotsRefused = 0);

/// <summary>A finished field-log file and how many messages each channel got.</summary>
public sealed record FieldLogFile(string Path, string Reason, IReadOnlyDictionary<string, long> MessagesPerTopic, long Bytes);
