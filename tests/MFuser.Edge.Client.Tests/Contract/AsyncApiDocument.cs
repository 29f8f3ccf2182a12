using System.Text.Json;
using MFuser.TestSupport;

namespace MFuser.Edge.Client.Tests.Contract;

/// <summary>docs/asyncapi.yaml as <c>@asyncapi/parser</c> reads it (asyncapi-js/validate.mjs, run with node): its
/// diagnostics, and per channel the address and each message's content type and resolved payload schema.</summary>
internal static class AsyncApiDocument
{
    private static readonly NodePackage Parser = new("asyncapi-js");
    private static readonly Lazy<JsonElement> Committed = new(() => Parse(File));

    public static string File { get; } = Path.Combine(RepoPaths.Root, "docs", "asyncapi.yaml");

    /// <summary>The committed document, parsed once per test run.</summary>
    public static JsonElement Parsed => Committed.Value;

    /// <summary>The payload schema of the (single) message of channel <paramref name="channelId"/>.</summary>
    public static JsonElement PayloadOf(string channelId) =>
        Parsed.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("id").GetString() == channelId)
            .GetProperty("messages")[0].GetProperty("payload");

    public static JsonElement Parse(string path)
    {
        var (code, stdout, stderr) = Parser.Run("validate.mjs", path);
        Assert.True(code == 0, $"validate.mjs exited {code}:\n{stderr}");
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
