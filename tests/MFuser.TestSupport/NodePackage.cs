using System.Diagnostics;

namespace MFuser.TestSupport;

/// <summary>
/// A small npm package copied to the test output (package.json, package-lock.json and its .mjs scripts), installed
/// with <c>npm ci</c> (the locked versions) on first use so node_modules never lands in the source tree, and run with
/// node. Needs node ≥ 18 and npm with registry access or a warm npm cache (build.sh deps installs nodejs).
/// </summary>
public sealed class NodePackage(string folderName)
{
    private readonly Lazy<string> _folder = new(() => Install(Path.Combine(AppContext.BaseDirectory, folderName)));

    /// <summary>Runs <c>node &lt;script&gt; &lt;args&gt;</c> in the package folder; returns exit code, stdout and stderr.</summary>
    public (int Code, string Stdout, string Stderr) Run(string script, params string[] args) =>
        Execute("node", [Path.Combine(_folder.Value, script), .. args], _folder.Value, TimeSpan.FromSeconds(120));

    private static string Install(string folder)
    {
        if (Directory.Exists(Path.Combine(folder, "node_modules")))
            return folder;
        var (code, stdout, stderr) = Execute("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], folder, TimeSpan.FromMinutes(5));
        if (code != 0)
            throw new InvalidOperationException($"npm ci in {folder} failed (exit {code}):\n{stdout}\n{stderr}");
        return folder;
    }

    private static (int Code, string Stdout, string Stderr) Execute(string file, string[] args, string directory, TimeSpan timeout)
    {
        var psi = new ProcessStartInfo(file, args)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish within {timeout}");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
