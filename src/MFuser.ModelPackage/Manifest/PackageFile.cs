using MFuser.ModelPackage.Files;

namespace MFuser.ModelPackage.Manifest;

/// <summary>The checks every file of a model package passes before it is read: present, a regular file (not a
/// directory, not a FIFO that would hang the read) and readable by this user. Each failure is a
/// <see cref="ModelPackageException"/> naming the file.</summary>
public static class PackageFile
{
    /// <summary>Throws unless <paramref name="path"/> is a regular file; <paramref name="check"/> and
    /// <paramref name="expected"/> word the error.</summary>
    public static void Require(string path, string check, string expected)
    {
        if (Directory.Exists(path))
            throw new ModelPackageException(path, check, expected, "a directory");
        if (!File.Exists(path))
            throw new ModelPackageException(path, check, expected,
                Directory.Exists(Path.GetDirectoryName(path)) && !Readable(Path.GetDirectoryName(path)!)
                    ? "a package directory this user cannot read" : "no such file");
        if (RegularFile.Problem(path) is { } notRegular)
            throw new ModelPackageException(path, check, expected, notRegular);
    }

    /// <summary>Reads <paramref name="path"/> with <paramref name="read"/>; a permission or I/O error names the file.</summary>
    public static T Read<T>(string path, Func<string, T> read)
    {
        try
        {
            return read(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new ModelPackageException(path, "readable", "a file this user can read", e.Message);
        }
    }

    private static bool Readable(string directory)
    {
        try
        {
            _ = Directory.EnumerateFileSystemEntries(directory).Any();
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
