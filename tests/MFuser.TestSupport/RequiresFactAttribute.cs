using Xunit;

namespace MFuser.TestSupport;

/// <summary>A fact that is skipped, with a message saying what to install, when a program it drives is absent.
/// CI installs both (build.sh's test packages: chromium, prometheus).</summary>
public sealed class RequiresFactAttribute : FactAttribute
{
    public RequiresFactAttribute(string program, string package)
    {
        if (!File.Exists(program))
            Skip = $"{program} is not installed (apt-get install {package}; ./build.sh deps installs it)";
    }
}
