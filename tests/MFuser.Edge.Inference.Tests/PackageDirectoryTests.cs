using System.Text.Json.Nodes;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.TestSupport;
using MFuser.Onnx.Graph;

namespace MFuser.Edge.Inference.Tests;

/// <summary>Package loading and the session contract checks, on real ONNX Runtime sessions of fixture graphs.</summary>
public sealed class PackageDirectoryTests : IDisposable
{
    private static readonly ColourRuleModel Small = new(24, 40, ColourRuleModel.StreetPrototypes);
    private readonly TempDir _dir = new();

    private string Package(ColourRuleModel.Variant? variant = null, Action<JsonObject>? edit = null) =>
        Small.WritePackage(Path.Combine(_dir.Path, Guid.NewGuid().ToString("N")), variant, edit);

    private static ModelPackageException Rejects(string dir) =>
        Assert.Throws<ModelPackageException>(() =>
        {
            using var s = SegmentationSession.Create(PackageDirectory.Load(dir), SessionSettings.CpuOnly);
        });

    [Fact]
    public void Fixture_model_segments_exactly_by_the_colour_rule()
    {
        using var session = SegmentationSession.Create(PackageDirectory.Load(Package()), SessionSettings.CpuOnly);
        Assert.Equal("cpu", session.Provider);
        var input = session.Buffers.Input;
        var rng = new Random(7);
        rng.NextBytes(input);
        // One exact prototype colour (asphalt grey → road) in the first pixel.
        input[0] = 90; input[1] = 90; input[2] = 90;
        session.Run();
        var expected = Small.LabelsOf(session.Buffers.Input);
        Assert.Equal(expected, session.Buffers.Labels.ToArray());
        Assert.Equal(0, session.Buffers.Labels[0]);
        Assert.True(session.Buffers.Confidence[0] > 200, $"confidence of an exact prototype colour was {session.Buffers.Confidence[0]}");
        var meanB = Enumerable.Range(0, Small.Height * Small.Width).Average(i => (double)session.Buffers.Input[3 * i]) / 255;
        Assert.Equal(meanB, session.Buffers.Embedding[0], 4);
    }

    [Theory]
    [InlineData("model.onnx", "ONNX file present")]
    [InlineData("model.json", "manifest present")]
    public void A_fifo_a_device_or_a_directory_in_place_of_a_package_file_is_named_not_read(string file, string check)
    {
        var dir = Package();
        File.Delete(Path.Combine(dir, file));
        Fifo.Create(Path.Combine(dir, file)); // reading it would wait for a writer forever
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal(check, e.Check);
        Assert.StartsWith("a FIFO", e.Actual);
        File.Delete(Path.Combine(dir, file));
        File.CreateSymbolicLink(Path.Combine(dir, file), "/dev/zero"); // never ends: read whole, it runs the process out of memory
        Assert.StartsWith("a character device", Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir)).Actual);
        File.Delete(Path.Combine(dir, file));
        Directory.CreateDirectory(Path.Combine(dir, file));
        Assert.Equal("a directory", Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir)).Actual);
    }

    [Fact]
    public void A_lone_surrogate_in_the_manifest_is_a_package_error_not_a_crash()
    {
        var dir = Package();
        var manifest = Path.Combine(dir, "model.json");
        var text = File.ReadAllText(manifest);
        var name = JsonNode.Parse(text)!["name"]!.GetValue<string>();
        File.WriteAllText(manifest, text.Replace($"\"{name}\"", "\"\\ud800\""));
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal(("JSON text", "strings of valid Unicode"), (e.Check, e.Expected));
    }

    [Fact]
    public void A_key_given_twice_in_the_manifest_is_refused_not_last_wins()
    {
        var dir = Package();
        var manifest = Path.Combine(dir, "model.json");
        var text = File.ReadAllText(manifest);
        File.WriteAllText(manifest, text.Insert(text.IndexOf('{') + 1, "\"name\": \"shadowed\","));
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal("JSON syntax", e.Check);
        Assert.Contains("name", e.Actual);
    }

    [Fact]
    public void An_empty_package_path_is_refused_not_taken_for_the_executables_folder()
    {
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Resolve(""));
        Assert.Equal("an empty string", e.Actual);
    }

    [Fact]
    public void Missing_manifest_is_named()
    {
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(_dir.Path));
        Assert.Equal(("manifest present", "no such file"), (e.Check, e.Actual));
        Assert.EndsWith("model.json", e.File);
    }

    [Fact]
    public void Hash_mismatch_names_expected_and_actual_digest()
    {
        var dir = Package(edit: m => m["onnx"]!["sha256"] = new string('a', 64));
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal("SHA-256", e.Check);
        Assert.StartsWith(new string('a', 64), e.Expected);
        Assert.Equal(64, e.Actual.Length);
        Assert.Contains("model.onnx: SHA-256: expected aaaa", e.Message);
    }

    [Fact]
    public void External_weights_named_by_the_manifest_must_exist_and_match_their_digest()
    {
        var weights = new byte[] { 1, 2, 3, 4 };
        var digest = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(weights));
        var dir = Package(edit: m => m["onnx"]!["external_data"] = new JsonObject { ["file"] = "model.weights", ["sha256"] = digest });

        var missing = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal(("external weights present", "no such file"), (missing.Check, missing.Actual));
        Assert.EndsWith("model.weights", missing.File);

        File.WriteAllBytes(Path.Combine(dir, "model.weights"), [1, 2, 3, 5]);
        var changed = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal("SHA-256", changed.Check);
        Assert.StartsWith(digest, changed.Expected);

        File.WriteAllBytes(Path.Combine(dir, "model.weights"), weights);
        Assert.Equal(new ExternalWeights("model.weights", digest), PackageDirectory.Load(dir).Manifest.Weights);
    }

    [Theory]
    [InlineData("""{"file":"../w.bin","sha256":"00"}""", "$.onnx.external_data.file", "a file name inside the package")]
    [InlineData("""{"file":"model.weights","sha256":"xyz"}""", "$.onnx.external_data.sha256", "64 hexadecimal digits")]
    [InlineData("\"model.weights\"", "$.onnx.external_data", "an object or null")]
    public void Malformed_external_data_entries_name_the_field(string json, string check, string expected)
    {
        var dir = Package(edit: m => m["onnx"]!["external_data"] = JsonNode.Parse(json));
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal((check, expected), (e.Check, e.Expected));
    }

    [Fact]
    public void Corrupt_onnx_is_refused_by_the_runtime_check()
    {
        var dir = Package();
        var onnx = Path.Combine(dir, "model.onnx");
        var bytes = File.ReadAllBytes(onnx);
        Array.Resize(ref bytes, bytes.Length / 2);
        File.WriteAllBytes(onnx, bytes);
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "model.json")))!;
        manifest["onnx"]!["sha256"] = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        File.WriteAllText(Path.Combine(dir, "model.json"), manifest.ToJsonString());
        var e = Rejects(dir);
        Assert.Equal("ONNX Runtime load", e.Check);
        Assert.EndsWith("model.onnx", e.File);
    }

    [Fact]
    public void Wrong_input_element_type_names_the_tensor()
    {
        var e = Rejects(Package(new ColourRuleModel.Variant(InputType: ElementType.Float)));
        Assert.Equal(("input 'image' element type", "uint8", "float32"), (e.Check, e.Expected, e.Actual));
    }

    [Fact]
    public void Input_shape_differing_from_the_manifest_is_refused()
    {
        var e = Rejects(Package(edit: m => m["input"]!["shape"] = new JsonArray(1, 48, 40, 3)));
        Assert.Equal(("input 'image' shape", "[1, 48, 40, 3]", "[1, 24, 40, 3]"), (e.Check, e.Expected, e.Actual));
    }

    [Fact]
    public void Wrong_output_type_and_missing_output_are_named()
    {
        var e = Rejects(Package(new ColourRuleModel.Variant(LabelsAsInt64: true)));
        Assert.Equal(("output 'labels' element type", "uint8", "int64"), (e.Check, e.Expected, e.Actual));
        e = Rejects(Package(new ColourRuleModel.Variant(LabelsName: "classes")));
        Assert.Equal("output 'labels'", e.Check);
        Assert.Contains("'classes'", e.Actual);
    }

    [Fact]
    public void Embedding_size_must_match_the_manifest()
    {
        var e = Rejects(Package(edit: m => m["embedding_dim"] = 8));
        Assert.Equal(("output 'embedding' shape", "[1, 8]", "[1, 3]"), (e.Check, e.Expected, e.Actual));
    }

    [Fact]
    public void Missing_custom_op_library_is_a_clear_error()
    {
        var dir = Package(edit: m =>
            m["custom_op"] = new JsonObject { ["library"] = "libmfuser_ops.so", ["domain"] = "com.mfuser", ["min_version"] = 1 });
        var settings = SessionSettings.CpuOnly with { CustomOpLibrary = Path.Combine(_dir.Path, "nowhere", "libmfuser_ops.so") };
        var e = Assert.Throws<ModelPackageException>(() => SegmentationSession.Create(PackageDirectory.Load(dir), settings));
        Assert.Equal(("custom-op library", "no such file"), (e.Check, e.Actual));
        Assert.Contains("libmfuser_ops.so providing domain com.mfuser version >= 1", e.Expected);
    }

    private string CustomOpPackage() =>
        Package(edit: m => m["custom_op"] = new JsonObject { ["library"] = "libmfuser_ops.so", ["domain"] = "com.mfuser", ["min_version"] = 1 });

    [Fact]
    public void A_shared_library_that_is_not_the_scan_op_library_is_refused_by_its_missing_version_export()
    {
        var settings = SessionSettings.CpuOnly with { CustomOpLibrary = "/lib/x86_64-linux-gnu/libz.so.1" };
        var e = Assert.Throws<ModelPackageException>(() => SegmentationSession.Create(PackageDirectory.Load(CustomOpPackage()), settings));
        Assert.Equal("custom-op library version", e.Check);
        Assert.Contains("MfuserOpsVersion", e.Expected);
    }

    [Fact]
    public void The_built_scan_op_library_passes_the_version_check_and_registers()
    {
        var library = Path.Combine(RepoPaths.Root, "native", "selective_scan", "build", "libmfuser_ops.so");
        Assert.True(File.Exists(library), $"{library} missing: build it with ./build.sh native");
        var settings = SessionSettings.CpuOnly with { CustomOpLibrary = library };
        using var session = SegmentationSession.Create(PackageDirectory.Load(CustomOpPackage()), settings);
        Assert.Equal("cpu", session.Provider);
    }

    [Fact]
    public void Version_below_the_manifest_minimum_is_refused_with_both_versions()
    {
        var library = Path.Combine(RepoPaths.Root, "native", "selective_scan", "build", "libmfuser_ops.so");
        var dir = Package(edit: m =>
            m["custom_op"] = new JsonObject { ["library"] = "libmfuser_ops.so", ["domain"] = "com.mfuser", ["min_version"] = 2 });
        var e = Assert.Throws<ModelPackageException>(() =>
            SegmentationSession.Create(PackageDirectory.Load(dir), SessionSettings.CpuOnly with { CustomOpLibrary = library }));
        Assert.Equal(("custom-op library version", ">= 2"), (e.Check, e.Expected));
        Assert.StartsWith("1.", e.Actual);
    }

    [Fact]
    public void Unavailable_providers_are_reported_in_order_and_cpu_is_used()
    {
        var settings = SessionSettings.CpuOnly with { Providers = ["tensorrt", "cuda", "cpu"] };
        using var session = SegmentationSession.Create(PackageDirectory.Load(Package()), settings);
        Assert.Equal("cpu", session.Provider);
        Assert.Equal(["tensorrt", "cuda", "cpu"], session.Attempts.Select(a => a.Provider));
        Assert.Equal([false, false, true], session.Attempts.Select(a => a.Succeeded));
        Assert.Contains("TensorrtExecutionProvider is not in this ONNX Runtime build", session.Attempts[0].Detail);
    }

    [Fact]
    public void No_usable_provider_is_its_own_error()
    {
        var settings = SessionSettings.CpuOnly with { Providers = ["cuda"] };
        var e = Assert.Throws<ProviderUnavailableException>(() => SegmentationSession.Create(PackageDirectory.Load(Package()), settings));
        Assert.Contains("cuda: CUDAExecutionProvider is not in this ONNX Runtime build", e.Message);
    }

    [Theory]
    [InlineData("format_version", "2", "$.format_version", "1")]
    [InlineData("outputs", """["labels","confidence"]""", "$.outputs", "to contain \"embedding\"")]
    [InlineData("input", """{"name":"image","dtype":"uint8","shape":[1,24,40,4],"color_order":"BGR"}""", "$.input.shape", "[1, H, W, 3] with 8 <= H, W <= 8192")]
    [InlineData("input", """{"name":"image","dtype":"uint8","shape":[1,24,40,3],"color_order":"RGB"}""", "$.input.color_order", "\"BGR\"")]
    [InlineData("classes", """[{"id":0,"name":"road","color":[1,2],"drivable":true}]""", "$.classes[0].color", "[R, G, B] with values 0-255")]
    [InlineData("training", """{"provenance":"x","miou":{"fog":1.5}}""", "$.training.miou.fog", "a number from 0 to 1")]
    [InlineData("colour", "1", "$.colour", "one of the keys")]
    [InlineData("input", """{"name":"image","dtype":"uint8","shape":[1,"24",40,3],"color_order":"BGR"}""", "$.input.shape", "[1, H, W, 3]")]
    [InlineData("classes", """[{"id":0,"name":"road","color":[1,"2",3],"drivable":true}]""", "$.classes[0].color", "[R, G, B]")]
    [InlineData("classes", """[{"id":0,"name":"road","color":[1,2,3],"drivable":true,"colour":[1,2,3]}]""", "$.classes[0].colour",
        "one of the keys id, name, color, drivable")]
    [InlineData("classes", """[{"id":0,"name":"road\u001b[31m","color":[1,2,3],"drivable":true}]""", "$.classes[0].name",
        "at most 64 characters without control characters")]
    [InlineData("name", "\"a\\u0000b\"", "$.name", "at most 1024 characters without control characters")]
    // The library is looked up next to the executable: a package must not point the daemon at code of its choosing.
    [InlineData("custom_op", """{"library":"/tmp/evil.so","domain":"com.mfuser","min_version":1}""", "$.custom_op.library", "a bare file name")]
    [InlineData("custom_op", """{"library":"../../tmp/evil.so","domain":"com.mfuser","min_version":1}""", "$.custom_op.library",
        "a bare file name")]
    public void Manifest_errors_name_the_field(string key, string json, string check, string expected)
    {
        var dir = Package(edit: m => m[key] = JsonNode.Parse(json));
        var e = Assert.Throws<ModelPackageException>(() => PackageDirectory.Load(dir));
        Assert.Equal(check, e.Check);
        Assert.StartsWith(expected, e.Expected);
        Assert.EndsWith("model.json", e.File);
    }

    [Fact]
    public void Committed_fixture_package_is_the_generated_one()
    {
        // Regenerate with: WRITE_FIXTURE_PACKAGE=1 dotnet test tests/MFuser.Edge.Tests --filter Committed_fixture
        var dir = RepoPaths.FixturePackage;
        if (Environment.GetEnvironmentVariable("WRITE_FIXTURE_PACKAGE") == "1")
            ColourRuleModel.Default.WritePackage(dir);
        var package = PackageDirectory.Load(dir);
        Assert.Equal(ColourRuleModel.Default.ToOnnx(), package.OnnxBytes);
        Assert.Equal("fixture-colour-rule", package.Manifest.Name);
        Assert.Equal((192, 320), (package.Manifest.Input.Height, package.Manifest.Input.Width));
        Assert.Equal(Cityscapes.Classes, package.Manifest.Classes);
        Assert.StartsWith("TEST FIXTURE, not MFuser", package.Manifest.Architecture);
        Assert.True(File.Exists(Path.Combine(dir, "MODEL_CARD.md")));
    }

    public void Dispose() => _dir.Dispose();
}
