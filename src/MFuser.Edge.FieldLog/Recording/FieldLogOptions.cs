using MFuser.ModelPackage.Classes;

namespace MFuser.Edge.FieldLog.Recording;

/// <summary>Where and how much the <see cref="FieldLogRecorder"/> records.</summary>
public sealed record FieldLogOptions
{
    /// <summary>Directory of the <c>.mcap</c> files (created if missing). The recorder owns every <c>*.mcap</c> in it:
    /// the quota deletes the oldest.</summary>
    public required string Directory { get; init; }

    /// <summary>Upper bound of all <c>.mcap</c> files in <see cref="Directory"/> together.</summary>
    public long QuotaBytes { get; init; } = 4L << 30;

    /// <summary>Share of <see cref="QuotaBytes"/> for snapshot files (the <c>snapshot</c> and <c>mark_event</c>
    /// commands); recordings get the rest. Default: an eighth of the quota; at most a quarter.</summary>
    public long SnapshotQuotaBytes
    {
        get => _snapshotQuotaBytes ?? QuotaBytes / 8;
        init => _snapshotQuotaBytes = value;
    }

    private readonly long? _snapshotQuotaBytes;

    /// <summary>Most snapshot files kept; a new snapshot deletes the oldest beyond this.</summary>
    public int SnapshotMaxFiles { get; init; } = 64;

    /// <summary>The model's class table, written into the label channel's metadata (<c>classes</c>) so that tools
    /// can colour the label maps; null: not written (readers assume the Cityscapes table).</summary>
    public IReadOnlyList<ClassInfo>? Classes { get; init; }

    /// <summary>Free space the recorder always leaves on the file system (deletes old logs, then stops recording).</summary>
    public long MinFreeBytes { get; init; } = 512L << 20;

    /// <summary>A file is closed and recording continues in a new one beyond this size (≤ quota / 2).</summary>
    public long MaxFileBytes { get; init; } = 256L << 20;

    /// <summary>How far back the pre-trigger ring reaches when an episode opens.</summary>
    public TimeSpan PreTrigger { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Memory bound of the pre-trigger ring (oldest entries leave first).</summary>
    public long PreTriggerMaxBytes { get; init; } = 64L << 20;

    /// <summary>Recording goes on this long after an episode's <c>end</c>.</summary>
    public TimeSpan PostTrigger { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Data items waiting for the writer thread; beyond this, new ones are dropped and counted.</summary>
    public int QueueCapacity { get; init; } = 256;

    /// <summary>MCAP chunk size.</summary>
    public int ChunkSize { get; init; } = 1 << 20;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Fail(string what) => throw new ArgumentException($"field_log: {what}");
        if (string.IsNullOrWhiteSpace(Directory))
            Fail("directory must not be empty");
        if (QuotaBytes < 1 << 20)
            Fail($"quota_bytes = {QuotaBytes}: must be ≥ 1 MiB");
        if (MaxFileBytes < 64 << 10 || MaxFileBytes > QuotaBytes / 2)
            Fail($"max_file_bytes = {MaxFileBytes}: must be between 64 KiB and quota_bytes / 2 ({QuotaBytes / 2})");
        if (ChunkSize < 0 || ChunkSize > MaxFileBytes / 4)
            Fail($"chunk_size = {ChunkSize}: must be between 0 and max_file_bytes / 4 ({MaxFileBytes / 4})");
        if (SnapshotQuotaBytes < 0 || SnapshotQuotaBytes > QuotaBytes / 4)
            Fail($"snapshot_quota_bytes = {SnapshotQuotaBytes}: must be between 0 and quota_bytes / 4 ({QuotaBytes / 4})");
        if (SnapshotMaxFiles < 0)
            Fail($"snapshot_max_files = {SnapshotMaxFiles}: must be ≥ 0");
        if (MinFreeBytes < 0)
            Fail($"min_free_bytes = {MinFreeBytes}: must be ≥ 0");
        if (PreTrigger < TimeSpan.Zero || PostTrigger < TimeSpan.Zero)
            Fail($"pre_trigger = {PreTrigger}, post_trigger = {PostTrigger}: must be ≥ 0");
        if (PreTriggerMaxBytes < 0)
            Fail($"pre_trigger_max_bytes = {PreTriggerMaxBytes}: must be ≥ 0");
        if (QueueCapacity < 1)
            Fail($"queue_capacity = {QueueCapacity}: must be ≥ 1");
    }
}
