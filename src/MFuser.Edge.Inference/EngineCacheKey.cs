using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFuser.Edge.Inference;

/// <summary>Everything a TensorRT engine depends on. Engines are not portable: a change of any of these must lead to a
/// fresh build, so each combination gets its own cache folder <c>&lt;engine_cache_dir&gt;/&lt;<see cref="Key"/>&gt;</c>
/// with a <see cref="FileName"/> that lists the inputs in clear (why an engine was, or was not, rebuilt).</summary>
/// <param name="ModelFile">The ONNX file the TensorRT session loads (model.trt.onnx when the package has it).</param>
/// <param name="ModelSha256">SHA-256 of exactly those bytes.</param>
/// <param name="OnnxRuntime">ONNX Runtime version string.</param>
/// <param name="TensorRt">TensorRT version from the libnvinfer file name, or "unknown".</param>
/// <param name="Device">GPU name and compute capability (or the Jetson model), "none" without a GPU.</param>
/// <param name="Precision">fp16 or fp32.</param>
/// <param name="DlaCore">DLA core, -1 for none.</param>
/// <param name="PluginSha256">SHA-256 of the TensorRT plugin library, "none" without one.</param>
/// <param name="BuilderOptimizationLevel">TensorRT builder optimisation level.</param>
/// <param name="WorkspaceMb">Builder workspace bound (0: TensorRT's default); it can change the tactics chosen.</param>
public sealed record EngineCacheKey(string ModelFile, string ModelSha256, string OnnxRuntime, string TensorRt, string Device,
    string Precision, int DlaCore, string PluginSha256, int BuilderOptimizationLevel, int WorkspaceMb)
{
    /// <summary>The file written beside the engines.</summary>
    public const string FileName = "cache-key.json";

    /// <summary>The inputs as (name, value) in a fixed order; the key hashes exactly these lines.</summary>
    public IReadOnlyList<(string Name, string Value)> Inputs =>
    [
        ("model_file", ModelFile),
        ("model_sha256", ModelSha256),
        ("onnxruntime", OnnxRuntime),
        ("tensorrt", TensorRt),
        ("device", Device),
        ("precision", Precision),
        ("dla_core", DlaCore.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("plugin_sha256", PluginSha256),
        ("builder_optimization_level", BuilderOptimizationLevel.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("workspace_mb", WorkspaceMb.ToString(System.Globalization.CultureInfo.InvariantCulture)),
    ];

    /// <summary>16 lowercase hex digits: the head of the SHA-256 of the <see cref="Inputs"/> as <c>name=value</c> lines.</summary>
    public string Key
    {
        get
        {
            var text = new StringBuilder();
            foreach (var (name, value) in Inputs)
                text.Append(name).Append('=').Append(value).Append('\n');
            return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
        }
    }

    /// <summary>The cache folder of this key under <paramref name="root"/>.</summary>
    public string DirectoryUnder(string root) => Path.Combine(root, Key);

    /// <summary>Creates <paramref name="directory"/> and writes <see cref="FileName"/> into it unless one with the same
    /// key is there already (its <c>created_at</c> then keeps the time of the first build).</summary>
    public void WriteTo(string directory)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, FileName);
        if (File.Exists(path))
        {
            try
            {
                if (JsonNode.Parse(File.ReadAllText(path))?["key"]?.GetValue<string>() == Key)
                    return;
            }
            catch (Exception e) when (e is JsonException or InvalidOperationException)
            {
                // Unreadable: rewritten below.
            }
        }
        var inputs = new JsonObject();
        foreach (var (name, value) in Inputs)
            inputs[name] = value;
        var doc = new JsonObject
        {
            ["key"] = Key,
            ["created_at"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            ["inputs"] = inputs,
            ["note"] = "TensorRT engines in this folder were built for exactly these inputs; any change selects another folder.",
        };
        File.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>SHA-256 of a file as lowercase hex, or "none" for a null path.</summary>
    public static string FileSha256(string? path)
    {
        if (path is null)
            return "none";
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
