namespace MFuser.Edge.Inference;

/// <summary>Where the profiling trace behind <see cref="NodePlacement"/> goes: a unique prefix in the temporary
/// folder (ONNX Runtime appends a timestamp and <c>.json</c>); every file with it is deleted once read.</summary>
internal static class ProfileTrace
{
    public static string NewPrefix() =>
        Path.Combine(Path.GetTempPath(), $"mfuser-edge-placement-{Environment.ProcessId}-{Guid.NewGuid():N}");

    public static void Delete(string prefix)
    {
        var dir = Path.GetDirectoryName(prefix)!;
        if (!Directory.Exists(dir))
            return; // TMPDIR names a folder that does not exist: ONNX Runtime wrote no trace there either
        foreach (var file in Directory.EnumerateFiles(dir, Path.GetFileName(prefix) + "*"))
        {
            try
            {
                File.Delete(file);
            }
            catch (IOException)
            {
                // Another process' temp cleaner got there first, or the file is still being closed: harmless.
            }
        }
    }
}
