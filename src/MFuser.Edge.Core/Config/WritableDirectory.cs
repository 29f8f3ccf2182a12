namespace MFuser.Edge.Core.Config;

/// <summary>Makes sure a directory the daemon will write to exists and takes a file, at start-up rather than at the
/// first episode or outage: created when missing, then a probe file is written, synced and deleted.</summary>
public static class WritableDirectory
{
    /// <summary>Why <paramref name="path"/> cannot be written to (naming what is in the way), or null when it can.</summary>
    public static string? Problem(string path)
    {
        var full = Path.GetFullPath(path);
        if (File.Exists(full))
            return $"{full} is a file; expected a directory";
        for (var parent = Path.GetDirectoryName(full); parent is not null; parent = Path.GetDirectoryName(parent))
            if (File.Exists(parent))
                return $"{full} lies under {parent}, which is a file; expected a directory";
        try
        {
            Directory.CreateDirectory(full);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{full} cannot be created: {e.Message}";
        }
        var probe = Path.Combine(full, $".mfuser-edge-write-probe-{Environment.ProcessId}-{Guid.NewGuid():N}");
        try
        {
            using var file = new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
            file.WriteByte(0);
            file.Flush(flushToDisk: true);
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return $"{full} is not writable: {e.Message}";
        }
    }
}
