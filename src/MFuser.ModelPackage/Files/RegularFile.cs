using System.Runtime.InteropServices;

namespace MFuser.ModelPackage.Files;

/// <summary>What a path names, after symbolic links.</summary>
public enum FileKind { Missing, Regular, Directory, CharacterDevice, BlockDevice, Fifo, Socket, Unknown }

/// <summary>
/// Tells regular files from the special files .NET's <see cref="File.Exists"/> also accepts: reading a FIFO waits for a
/// writer forever, /dev/zero never ends, and replacing a device node with a file (as root) breaks the machine. The
/// kind comes from statx(2) through libc (glibc ≥ 2.28, every supported Jetson image); where that is unavailable
/// (another OS, a sandbox refusing the call) the kind is <see cref="FileKind.Unknown"/> and nothing is refused.
/// </summary>
public static partial class RegularFile
{
    private const int AtCurrentDirectory = -100;
    private const uint StatxType = 0x1;
    private const int ModeOffset = 28; // struct statx: mask, blksize (u32), attributes (u64), nlink, uid, gid (u32), mode (u16)

    /// <summary>The kind of <paramref name="path"/>, following links.</summary>
    public static unsafe FileKind KindOf(string path)
    {
        if (!OperatingSystem.IsLinux())
            return FileKind.Unknown;
        var buffer = stackalloc byte[256];
        if (Statx(AtCurrentDirectory, path, 0, StatxType, buffer) != 0)
            return Marshal.GetLastPInvokeError() is 2 or 20 ? FileKind.Missing : FileKind.Unknown; // ENOENT, ENOTDIR
        return (*(ushort*)(buffer + ModeOffset) & 0xF000) switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => FileKind.Unknown,
        };
    }

    /// <summary>Why <paramref name="path"/>, which exists, is not a regular file to read or replace ("a FIFO; expected a
    /// regular file"), or null: a regular file, a missing path (the caller's own check reports it) or an unknown kind.</summary>
    public static string? Problem(string path) => KindOf(path) switch
    {
        FileKind.Fifo => "a FIFO (reading it would wait for a writer); expected a regular file",
        FileKind.Socket => "a socket; expected a regular file",
        FileKind.CharacterDevice => "a character device; expected a regular file",
        FileKind.BlockDevice => "a block device; expected a regular file",
        FileKind.Directory => "a directory; expected a regular file",
        _ => null,
    };

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int Statx(int directory, string path, int flags, uint mask, byte* buffer);
}
