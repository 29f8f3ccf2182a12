using MFuser.Edge.FieldLog.Recording;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.FieldLog.Quota;

/// <summary>
/// Keeps the field-log directory within its quota, by kind of file (docs/field-logging.md, "Quota"):
/// snapshots have a share of their own (<see cref="FieldLogOptions.SnapshotQuotaBytes"/>,
/// <see cref="FieldLogOptions.SnapshotMaxFiles"/>) and make room by deleting older snapshots only; recordings (episodes
/// and manual ones) share the rest of <see cref="FieldLogOptions.QuotaBytes"/>; an episode deletes manual recordings
/// first, then older episodes; a manual recording deletes older manual recordings only. So nothing a command asks for
/// ever deletes an episode. Every kind also keeps <see cref="FieldLogOptions.MinFreeBytes"/> free on the file system. Oldest means
/// first by name (the names start with the UTC time). Writer thread only.
/// </summary>
internal sealed class DiskQuota(FieldLogOptions options, ILogger log)
{
    private int _deleted;
    private long _usedBytes;

    /// <summary>Files deleted to make room so far.</summary>
    public int FilesDeleted => Volatile.Read(ref _deleted);

    /// <summary>Bytes of all <c>*.mcap</c> files in the directory, the open one included, as of the last
    /// <see cref="MakeRoom"/> or <see cref="Measure"/>.</summary>
    public long UsedBytes => Interlocked.Read(ref _usedBytes);

    /// <summary>Deletes what <paramref name="kind"/> may delete until the file <paramref name="currentPath"/> (null:
    /// a new file), now <paramref name="currentBytes"/> long, can grow by <paramref name="incoming"/> bytes within its
    /// share and the free-space reserve. False when that is impossible.</summary>
    public bool MakeRoom(LogFileKind kind, string? currentPath, long currentBytes, long incoming)
    {
        var current = currentPath is null ? null : Path.GetFullPath(currentPath);
        var files = new DirectoryInfo(options.Directory).GetFiles("*.mcap")
            .Where(f => f.FullName != current)
            .Select(f => (File: f, Kind: LogFileKinds.Of(f.Name)))
            .OrderBy(f => f.File.Name, StringComparer.Ordinal)
            .ToList();
        var snapshots = kind == LogFileKind.Snapshot;
        var budget = snapshots ? options.SnapshotQuotaBytes : options.QuotaBytes - options.SnapshotQuotaBytes;
        bool Shares(LogFileKind k) => snapshots ? k == LogFileKind.Snapshot : k != LogFileKind.Snapshot;
        // What this kind may delete, in the order it deletes it: for an episode, manual recordings before episodes.
        LogFileKind[] victims = kind == LogFileKind.Episode ? [LogFileKind.Manual, LogFileKind.Episode] : [kind];
        bool Fits()
        {
            var share = files.Where(f => Shares(f.Kind)).ToList();
            return share.Sum(f => f.File.Length) + currentBytes + incoming <= budget
                   && (!snapshots || share.Count + 1 <= options.SnapshotMaxFiles)
                   && FreeBytes() - incoming >= options.MinFreeBytes;
        }
        while (!Fits())
        {
            var victim = victims.Select(k => files.FindIndex(f => f.Kind == k)).FirstOrDefault(at => at >= 0, -1);
            if (victim < 0)
                return false;
            var oldest = files[victim].File;
            files.RemoveAt(victim);
            var bytes = oldest.Length;
            oldest.Delete();
            Interlocked.Increment(ref _deleted);
            log.LogInformation("Field log: deleted {File} ({Bytes} bytes) to make room for a {Kind} file", oldest.Name, bytes, Name(kind));
        }
        Interlocked.Exchange(ref _usedBytes, files.Sum(f => f.File.Length) + currentBytes);
        return true;
    }

    /// <summary>Sums the directory's <c>*.mcap</c> files into <see cref="UsedBytes"/> (after a file is finished).</summary>
    public void Measure()
    {
        try
        {
            Interlocked.Exchange(ref _usedBytes, new DirectoryInfo(options.Directory).GetFiles("*.mcap").Sum(f => f.Length));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // the next MakeRoom measures again
        }
    }

    private long FreeBytes()
    {
        try
        {
            return new DriveInfo(Path.GetFullPath(options.Directory)).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException)
        {
            return long.MaxValue;
        }
    }

    internal static string Name(LogFileKind kind) => kind.ToString().ToLowerInvariant();
}
