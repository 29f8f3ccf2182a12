using System.Text.Json;
using MFuser.TestSupport;

namespace MFuser.Edge.FieldLog.Tests.Mcap;

/// <summary>
/// Runs mcap-js/summarize.mjs (the <c>@mcap/core</c> npm package, Foxglove's TypeScript implementation) with node on
/// an MCAP file and returns its JSON summary. Every JSON message on a <c>foxglove.*</c> channel is validated (Ajv)
/// against Foxglove's published schema of that name in foxglove-schemas/; the summary's <c>schemaErrors</c> lists
/// failures and each channel's <c>validated</c> counts the messages that passed.
/// </summary>
internal static class McapJs
{
    private static readonly NodePackage Package = new("mcap-js");

    public static JsonElement Summarize(string mcapPath)
    {
        var schemas = Path.Combine(AppContext.BaseDirectory, "foxglove-schemas");
        var (code, stdout, stderr) = Package.Run("summarize.mjs", mcapPath, schemas);
        if (code != 0)
            throw new InvalidOperationException($"@mcap/core could not read {mcapPath} (exit {code}):\n{stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
