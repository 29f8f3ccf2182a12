namespace MFuser.Edge.Client.Tests.Contract;

/// <summary>The committed docs/schemas/*.json are exactly what the payload types generate, so the contract cannot drift
/// from the code. With <c>MFUSER_WRITE_SCHEMAS=1</c> the test writes the files instead (then review the diff).</summary>
public sealed class SchemaGenerationTests
{
    public static TheoryData<string> Names => [.. PayloadSchemas.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void Committed_schema_equals_the_generated_one(string name)
    {
        var (_, description, type) = PayloadSchemas.All.Single(s => s.Name == name);
        var generated = PayloadSchemas.Generate(name, description, type);
        var path = PayloadSchemas.FileOf(name);
        if (Environment.GetEnvironmentVariable("MFUSER_WRITE_SCHEMAS") == "1")
            File.WriteAllText(path, generated);
        Assert.True(File.Exists(path), $"{path} is missing: regenerate with MFUSER_WRITE_SCHEMAS=1 (see PayloadSchemas)");
        Assert.True(generated == File.ReadAllText(path),
            $"{path} differs from what {type.Type.Name} generates: regenerate with MFUSER_WRITE_SCHEMAS=1 " +
            "dotnet test tests/MFuser.Edge.Client.Tests --filter SchemaGenerationTests, and review the diff.\nGenerated:\n" + generated);
    }

    [Fact]
    public void Every_schema_file_is_generated_by_a_payload_type()
    {
        var files = Directory.GetFiles(PayloadSchemas.Directory, "*.json").Select(Path.GetFileNameWithoutExtension).Order();
        Assert.Equal(PayloadSchemas.All.Select(s => s.Name).Order(), files);
    }
}
