namespace MFuser.Edge.Core.Tests;

/// <summary>The repository root: the first ancestor of the test binaries that holds MFuser.Edge.sln.</summary>
internal static class RepoRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "MFuser.Edge.sln")))
                return dir.FullName;
        throw new InvalidOperationException($"MFuser.Edge.sln not found above {AppContext.BaseDirectory}");
    }
}
