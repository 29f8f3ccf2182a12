using System.Runtime.InteropServices;

namespace MFuser.Edge.Messaging.Spool;

/// <summary>fsync of a directory, so that a created, renamed or deleted file survives a power loss (.NET flushes
/// file contents with <see cref="FileStream.Flush(bool)"/> but has no call for the directory entry).</summary>
internal static partial class DurableFile
{
    private const int ORdOnly = 0, ODirectory = 0x10000;

    /// <summary>Flushes <paramref name="directory"/>'s entries to disk; a no-op where the OS does not allow it.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
            return;
        var fd = Open(directory, ORdOnly | ODirectory);
        if (fd < 0)
            return;
        Fsync(fd);
        Close(fd);
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync")]
    private static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
