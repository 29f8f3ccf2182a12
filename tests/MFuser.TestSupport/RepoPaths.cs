namespace MFuser.TestSupport;

/// <summary>Locations in the repository, found from the test assembly's directory.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    public static string FixturePackage => Path.Combine(Root, "models", "fixture-colour-rule");

    private static string FindRoot()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            if (File.Exists(Path.Combine(d.FullName, "MFuser.Edge.sln")))
                return d.FullName;
        throw new InvalidOperationException("repository root (MFuser.Edge.sln) not found above " + AppContext.BaseDirectory);
    }
}
