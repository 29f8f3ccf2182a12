using System.Text.Json;

using MFuser.ModelPackage.Classes;

namespace MFuser.ModelPackage.Manifest;

/// <summary>Reads and validates <c>model.json</c>. Every problem becomes a <see cref="ModelPackageException"/> naming
/// the file, the JSON path of the field, the expected and the actual value.</summary>
public static class ManifestReader
{
    private static readonly string[] TopLevelKeys =
    [
        "format_version", "name", "version", "onnx", "input", "outputs", "embedding_dim", "classes", "custom_op",
        "architecture", "training", "domain_statistics",
    ];

    /// <summary>Reads <c>&lt;packageDir&gt;/model.json</c>.</summary>
    public static ModelManifest ReadPackage(string packageDir)
    {
        var file = Path.Combine(packageDir, ModelManifest.FileName);
        if (!Directory.Exists(packageDir))
            throw new ModelPackageException(packageDir, "package directory", "an existing directory (holding model.json and the ONNX file)",
                System.IO.File.Exists(packageDir) ? "a file" : "nothing at that path");
        PackageFile.Require(file, "manifest present", $"a {ModelManifest.FileName} in the package directory");
        return Parse(PackageFile.Read(file, System.IO.File.ReadAllText), file);
    }

    /// <summary>Parses manifest text; <paramref name="file"/> is used in error messages only.</summary>
    public static ModelManifest Parse(string json, string file)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json, new JsonDocumentOptions { AllowDuplicateProperties = false }); // no silent "last wins"
        }
        catch (JsonException e)
        {
            throw new ModelPackageException(file, "JSON syntax", "valid JSON", e.Message);
        }
        using (doc)
        {
            try
            {
                return new Reader(file).Read(doc.RootElement);
            }
            catch (InvalidOperationException e) // a string with a lone surrogate (\ud800) is valid JSON but no text
            {
                throw new ModelPackageException(file, "JSON text", "strings of valid Unicode", e.Message);
            }
        }
    }

    private sealed class Reader(string file)
    {
        private ModelPackageException Fail(string path, string expected, string actual) => new(file, path, expected, actual);

        private static string Show(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Undefined => "nothing (missing)",
            JsonValueKind.String => $"\"{e.GetString()}\"",
            _ => e.GetRawText().Length > 60 ? e.GetRawText()[..60] + "…" : e.GetRawText(),
        };

        private JsonElement Get(JsonElement obj, string key, string path) =>
            obj.TryGetProperty(key, out var v) ? v : throw Fail($"{path}.{key}", "a value", "nothing (missing)");

        /// <summary>Longest text member: names, versions and summaries are shown in logs, <c>info</c> and the console.</summary>
        private const int MaxText = 1024;

        private string Str(JsonElement obj, string key, string path, int maxLength = MaxText)
        {
            var v = Get(obj, key, path);
            var s = v.ValueKind == JsonValueKind.String && v.GetString()!.Length > 0 ? v.GetString()!
                : throw Fail($"{path}.{key}", "a non-empty string", Show(v));
            if (s.Length > maxLength || s.Any(char.IsControl))
                throw Fail($"{path}.{key}", $"at most {maxLength} characters without control characters",
                    $"{s.Length} characters{(s.Any(char.IsControl) ? " with control characters" : "")}");
            return s;
        }

        private int Int(JsonElement obj, string key, string path, int min, int max)
        {
            var v = Get(obj, key, path);
            return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) && i >= min && i <= max
                ? i
                : throw Fail($"{path}.{key}", $"an integer from {min} to {max}", Show(v));
        }

        private string FileInside(JsonElement obj, string key, string path)
        {
            var name = Str(obj, key, path);
            return Path.IsPathRooted(name) || name.Contains("..")
                ? throw Fail($"{path}.{key}", "a file name inside the package", $"\"{name}\"") : name;
        }

        private string Sha256(JsonElement obj, string path)
        {
            var sha = Str(obj, "sha256", path).ToLowerInvariant();
            return sha.Length == 64 && sha.All(Uri.IsHexDigit) ? sha : throw Fail($"{path}.sha256", "64 hexadecimal digits", $"\"{sha}\"");
        }

        private JsonElement Obj(JsonElement obj, string key, string path)
        {
            var v = Get(obj, key, path);
            return v.ValueKind == JsonValueKind.Object ? v : throw Fail($"{path}.{key}", "an object", Show(v));
        }

        public ModelManifest Read(JsonElement root)
        {
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail("$", "a JSON object", root.ValueKind.ToString());
            foreach (var p in root.EnumerateObject())
                if (!TopLevelKeys.Contains(p.Name))
                    throw Fail($"$.{p.Name}", "one of the keys " + string.Join(", ", TopLevelKeys), "an unknown key");
            var format = Int(root, "format_version", "$", 0, int.MaxValue);
            if (format != ModelManifest.FormatVersion)
                throw Fail("$.format_version", ModelManifest.FormatVersion.ToString(), format.ToString());

            var onnx = Obj(root, "onnx", "$");
            var onnxFile = FileInside(onnx, "file", "$.onnx");
            var sha = Sha256(onnx, "$.onnx");
            ExternalWeights? weights = null;
            if (onnx.TryGetProperty("external_data", out var ed) && ed.ValueKind != JsonValueKind.Null)
            {
                if (ed.ValueKind != JsonValueKind.Object)
                    throw Fail("$.onnx.external_data", "an object or null", Show(ed));
                weights = new ExternalWeights(FileInside(ed, "file", "$.onnx.external_data"), Sha256(ed, "$.onnx.external_data"));
            }

            var input = ReadInput(Obj(root, "input", "$"));
            var outputs = ReadOutputs(Get(root, "outputs", "$"));
            var classes = ReadClasses(Get(root, "classes", "$"));
            CustomOpRequirement? customOp = null;
            if (root.TryGetProperty("custom_op", out var co) && co.ValueKind != JsonValueKind.Null)
            {
                if (co.ValueKind != JsonValueKind.Object)
                    throw Fail("$.custom_op", "an object or null", Show(co));
                // A bare file name: the library is looked up next to the executable, never where a package points.
                var library = Str(co, "library", "$.custom_op");
                if (Path.GetFileName(library) != library || library is "." or "..")
                    throw Fail("$.custom_op.library", "a bare file name (looked up next to the executable)", $"\"{library}\"");
                customOp = new CustomOpRequirement(library, Str(co, "domain", "$.custom_op"),
                    Int(co, "min_version", "$.custom_op", 1, int.MaxValue));
            }
            var architecture = Str(Obj(root, "architecture", "$"), "summary", "$.architecture");
            var training = ReadTraining(Obj(root, "training", "$"));
            string? stats = null;
            if (root.TryGetProperty("domain_statistics", out var ds) && ds.ValueKind != JsonValueKind.Null)
            {
                stats = ds.ValueKind == JsonValueKind.String && ds.GetString()!.Length > 0 ? ds.GetString()
                    : throw Fail("$.domain_statistics", "a file name or null", Show(ds));
                if (Path.IsPathRooted(stats!) || stats!.Contains(".."))
                    throw Fail("$.domain_statistics", "a file name inside the package", $"\"{stats}\"");
            }
            return new ModelManifest(Str(root, "name", "$"), Str(root, "version", "$"), onnxFile, sha, input, outputs,
                Int(root, "embedding_dim", "$", 1, 1 << 20), classes, customOp, architecture, training, stats, weights);
        }

        private InputSpec ReadInput(JsonElement input)
        {
            var name = Str(input, "name", "$.input");
            if (name != ModelIo.Image)
                throw Fail("$.input.name", $"\"{ModelIo.Image}\"", $"\"{name}\"");
            var dtype = Str(input, "dtype", "$.input");
            if (dtype != "uint8")
                throw Fail("$.input.dtype", "\"uint8\"", $"\"{dtype}\"");
            var order = Str(input, "color_order", "$.input");
            if (order != "BGR")
                throw Fail("$.input.color_order", "\"BGR\"", $"\"{order}\"");
            var shape = Get(input, "shape", "$.input");
            if (shape.ValueKind != JsonValueKind.Array || shape.GetArrayLength() != 4
                || shape.EnumerateArray().Any(d => d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out _)))
                throw Fail("$.input.shape", "[1, H, W, 3]", Show(shape));
            var dims = shape.EnumerateArray().Select(d => d.GetInt32()).ToArray();
            if (dims[0] != 1 || dims[3] != 3 || dims[1] is < 8 or > 8192 || dims[2] is < 8 or > 8192)
                throw Fail("$.input.shape", "[1, H, W, 3] with 8 <= H, W <= 8192", Show(shape));
            return new InputSpec(name, dims[1], dims[2]);
        }

        private IReadOnlyList<string> ReadOutputs(JsonElement outputs)
        {
            if (outputs.ValueKind != JsonValueKind.Array || outputs.EnumerateArray().Any(o => o.ValueKind != JsonValueKind.String))
                throw Fail("$.outputs", "an array of output names", Show(outputs));
            var names = outputs.EnumerateArray().Select(o => o.GetString()!).ToArray();
            foreach (var required in ModelManifest.RequiredOutputs)
                if (!names.Contains(required))
                    throw Fail("$.outputs", $"to contain \"{required}\"", Show(outputs));
            var unknown = names.Except(ModelManifest.RequiredOutputs.Append(ModelIo.Logits)).FirstOrDefault();
            if (unknown is not null)
                throw Fail("$.outputs", "only labels, confidence, embedding and optionally logits", $"\"{unknown}\"");
            if (names.Distinct().Count() != names.Length)
                throw Fail("$.outputs", "no repeated names", Show(outputs));
            return names;
        }

        private IReadOnlyList<ClassInfo> ReadClasses(JsonElement classes)
        {
            if (classes.ValueKind != JsonValueKind.Array || classes.GetArrayLength() == 0)
                throw Fail("$.classes", "a non-empty array", Show(classes));
            var list = new List<ClassInfo>();
            var i = 0;
            foreach (var c in classes.EnumerateArray())
            {
                var path = $"$.classes[{i++}]";
                if (c.ValueKind != JsonValueKind.Object)
                    throw Fail(path, "an object", Show(c));
                foreach (var member in c.EnumerateObject())
                    if (member.Name is not ("id" or "name" or "color" or "drivable"))
                        throw Fail($"{path}.{member.Name}", "one of the keys id, name, color, drivable", "an unknown key");
                var id = Int(c, "id", path, 0, 254);
                if (list.Any(x => x.Id == id))
                    throw Fail($"{path}.id", "a unique class id", id.ToString());
                var color = Get(c, "color", path);
                if (color.ValueKind != JsonValueKind.Array || color.GetArrayLength() != 3
                    || color.EnumerateArray().Any(v => v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var b) || b is < 0 or > 255))
                    throw Fail($"{path}.color", "[R, G, B] with values 0-255", Show(color));
                var rgb = color.EnumerateArray().Select(v => (byte)v.GetInt32()).ToArray();
                var drivable = Get(c, "drivable", path);
                if (drivable.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                    throw Fail($"{path}.drivable", "true or false", Show(drivable));
                list.Add(new ClassInfo(id, Str(c, "name", path, maxLength: 64), new Rgb(rgb[0], rgb[1], rgb[2]), drivable.GetBoolean()));
            }
            return list;
        }

        private TrainingInfo ReadTraining(JsonElement training)
        {
            var provenance = Str(training, "provenance", "$.training");
            var miou = Obj(training, "miou", "$.training");
            var table = new Dictionary<string, double>();
            foreach (var p in miou.EnumerateObject())
                table[p.Name] = p.Value.ValueKind == JsonValueKind.Number && p.Value.GetDouble() is >= 0 and <= 1
                    ? p.Value.GetDouble()
                    : throw Fail($"$.training.miou.{p.Name}", "a number from 0 to 1", Show(p.Value));
            return new TrainingInfo(provenance, table);
        }
    }
}
