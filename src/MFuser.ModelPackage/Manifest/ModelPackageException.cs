namespace MFuser.ModelPackage.Manifest;

/// <summary>A model package failed one of its checks. The message names the file, the check, what was expected and
/// what was found; the daemon exits with code 3 (<c>ExitCodes.ModelPackage</c>).</summary>
public sealed class ModelPackageException(string file, string check, string expected, string actual)
    : Exception($"{file}: {check}: expected {expected}, found {actual}")
{
    public string File { get; } = file;
    public string Check { get; } = check;
    public string Expected { get; } = expected;
    public string Actual { get; } = actual;
}
