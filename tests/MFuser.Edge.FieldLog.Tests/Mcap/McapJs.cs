using System.Diagnostics;
using System.Text.Json;

namespace MFuser.Edge.FieldLog.Tests.Mcap;

/// <summary>
/// Runs mcap-js/summarize.mjs (the <c>@mcap/core</c> npm package, Foxglove's TypeScript implementation) with node on
/// an MCAP file and returns its JSON summary. The first use runs <c>npm ci</c> (locked versions from
/// package-lock.json) in the test output's copy of mcap-js/, so node_modules never lands in the source tree.
/// Every JSON message on a <c>foxglove.*</c> channel is validated (Ajv) against Foxglove's published schema of that
/// name in foxglove-schemas/; the summary's <c>schemaErrors</c> lists failures and each channel's <c>validated</c>
/// counts the messages that passed. Needs node ≥ 18 and npm with registry access (or a warm npm cache).
/// </summary>
internal static class McapJs
{
    private static readonly Lazy<string> Folder = new(Install);

    public static JsonElement Summarize(string mcapPath)
    {
        var schemas = Path.Combine(AppContext.BaseDirectory, "foxglove-schemas");
        var script = Path.Combine(Folder.Value, "summarize.mjs");
        var (code, stdout, stderr) = Run("node", [script, mcapPath, schemas], Folder.Value, TimeSpan.FromSeconds(60));
        if (code != 0)
            throw new InvalidOperationException($"@mcap/core could not read {mcapPath} (exit {code}):\n{stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    private static string Install()
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "mcap-js");
        if (Directory.Exists(Path.Combine(folder, "node_modules", "@mcap", "core")) && Directory.Exists(Path.Combine(folder, "node_modules", "ajv")))
            return folder;
        var (code, stdout, stderr) = Run("npm", ["ci", "--no-audit", "--no-fund", "--prefer-offline"], folder, TimeSpan.FromMinutes(3));
        if (code != 0)
            throw new InvalidOperationException($"npm ci in {folder} failed (exit {code}):\n{stdout}\n{stderr}");
        return folder;
    }

    private static (int Code, string Stdout, string Stderr) Run(string file, string[] args, string directory, TimeSpan timeout)
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
