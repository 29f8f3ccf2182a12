using System.Text.Json;
using System.Text.Json.Nodes;
using MFuser.TestSupport;

namespace MFuser.Edge.Client.Tests.Contract;

/// <summary>docs/asyncapi.yaml parses without errors or warnings with <c>@asyncapi/parser</c> (asyncapi-js/validate.mjs,
/// run with node), names every topic of docs/mqtt-api.md, and its JSON messages carry the committed schemas.</summary>
public sealed class AsyncApiDocumentTests
{
    [Fact]
    public void The_document_parses_without_errors_or_warnings()
    {
        var parsed = AsyncApiDocument.Parsed;
        var problems = parsed.GetProperty("diagnostics").EnumerateArray()
            .Where(d => d.GetProperty("severity").GetString() is "error" or "warning").Select(d => d.ToString()).ToList();
        Assert.True(problems.Count == 0, string.Join("\n", problems));
        Assert.Equal(JsonValueKind.Array, parsed.GetProperty("channels").ValueKind);
    }

    [Fact]
    public void Every_topic_of_the_api_is_a_channel_with_its_content_type()
    {
        var channels = AsyncApiDocument.Parsed.GetProperty("channels").EnumerateArray().ToDictionary(
            c => c.GetProperty("address").GetString()!["{prefix}/{device_id}/".Length..],
            c => c.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("contentType").GetString()).Single());
        var expected = new Dictionary<string, string>
        {
            ["available"] = "text/plain", ["info"] = "application/json", ["drivable"] = "application/json",
            ["segmentation"] = "image/png", ["overlay"] = "image/jpeg", ["stats"] = "application/json",
            ["domain_shift"] = "application/json", ["{setting}/set"] = "text/plain", ["{setting}/state"] = "text/plain",
            ["{setting}/result"] = "application/json", ["cmd/{command}"] = "application/json",
            ["cmd/{command}/result"] = "application/json",
        };
        Assert.Equal(expected.OrderBy(e => e.Key), channels.OrderBy(c => c.Key)!);
    }

    [Theory]
    [InlineData("drivable", "drivable")]
    [InlineData("info", "info")]
    [InlineData("stats", "stats")]
    [InlineData("domain_shift", "domain_shift")]
    [InlineData("cmd/{command}/result", "command_result")]
    public void A_json_message_carries_the_committed_schema(string topic, string schema)
    {
        var channel = AsyncApiDocument.Parsed.GetProperty("channels").EnumerateArray()
            .Single(c => c.GetProperty("address").GetString() == "{prefix}/{device_id}/" + topic);
        var payload = channel.GetProperty("messages")[0].GetProperty("payload").GetProperty("schema");
        var committed = JsonNode.Parse(File.ReadAllText(PayloadSchemas.FileOf(schema)));
        Assert.True(JsonNode.DeepEquals(committed, JsonNode.Parse(payload.GetRawText())), $"{topic}: the resolved payload is not {schema}.json");
    }

    [Fact]
    public void A_broken_reference_is_an_error()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(Path.Combine(dir.Path, "schemas"));
        var broken = dir.File("asyncapi.yaml");
        File.WriteAllText(broken, File.ReadAllText(AsyncApiDocument.File).Replace("schemas/drivable.json", "schemas/missing.json"));
        foreach (var file in Directory.GetFiles(PayloadSchemas.Directory))
            File.Copy(file, Path.Combine(dir.Path, "schemas", Path.GetFileName(file)));
        var errors = AsyncApiDocument.Parse(broken).GetProperty("diagnostics").EnumerateArray()
            .Where(d => d.GetProperty("severity").GetString() == "error").ToList();
        Assert.Contains(errors, e => e.GetProperty("message").GetString()!.Contains("missing.json"));
    }
}
