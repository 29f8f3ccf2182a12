using System.Diagnostics;
using Xunit;

namespace MFuser.TestSupport;

/// <summary><c>promtool check metrics</c> (Debian package <c>prometheus</c>): Prometheus's own linter of the text format.</summary>
public static class Promtool
{
    public const string Executable = "/usr/bin/promtool";

    /// <summary>Fails the test, with promtool's complaints and the scrape, unless <paramref name="scrape"/> passes.</summary>
    public static async Task AssertPassesCheckMetricsAsync(string scrape)
    {
        using var promtool = Process.Start(new ProcessStartInfo(Executable, "check metrics")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await promtool.StandardInput.WriteAsync(scrape);
        promtool.StandardInput.Close();
        var output = await promtool.StandardOutput.ReadToEndAsync() + await promtool.StandardError.ReadToEndAsync();
        await promtool.WaitForExitAsync();
        Assert.True(promtool.ExitCode == 0, $"promtool check metrics exited {promtool.ExitCode}:\n{output}\n--- scrape ---\n{scrape}");
    }
}
