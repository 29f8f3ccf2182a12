using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace MFuser.ModelPackage.Files;

/// <summary>
/// Finds the start-up inputs that would hang the process instead of failing: a FIFO or socket passes
/// <see cref="File.Exists"/>, and opening it for reading waits for a writer forever. The path is opened without
/// blocking (O_NONBLOCK through libc) and a handle that cannot seek is such a file. Linux only; elsewhere
/// nothing is checked. Existence and permissions are left to the caller's own open, which reports them.
/// </summary>
public static partial class BlockingFile
{
    private const int ReadOnlyNonBlockingCloseOnExec = 0x800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC (Linux)

    /// <summary>Why reading <paramref name="path"/> would block (a FIFO or socket), or null.</summary>
    public static string? Problem(string path)
    {
        if (!OperatingSystem.IsLinux() || !File.Exists(path))
            return null;
        var fd = Open(path, ReadOnlyNonBlockingCloseOnExec);
        if (fd < 0)
            return null;
        using var handle = new SafeFileHandle(fd, ownsHandle: true);
        using var stream = new FileStream(handle, FileAccess.Read, bufferSize: 1);
        return stream.CanSeek ? null : "a FIFO or socket (reading it would wait for a writer); expected a regular file";
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags);
}
