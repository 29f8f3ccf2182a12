using System.Text.Json;
using MFuser.ModelPackage.Classes;
using MFuser.Onnx.Architecture;
using MFuser.Scenes;

namespace MFuser.Training.TextPrior;

/// <summary>
/// Class-name embeddings of a pretrained text encoder: the constant T0 of the text-prior variant. The bundled table
/// (<see cref="ResourceFile"/>, an embedded resource) holds the 19 raw Cityscapes class names — no prompt template,
/// as the official model — embedded by all-MiniLM-L6-v2; regenerate it with <c>mfuser-train text-prior</c>.
/// </summary>
public sealed record ClassTextTable(string Encoder, string[] Texts, int Dim, float[][] Vectors)
{
    /// <summary>Path of the bundled table in the repository, relative to the repository root.</summary>
    public const string ResourceFile = "src/MFuser.Training/TextPrior/minilm-l6-v2.cityscapes.json";
    private const string ResourceName = "MFuser.Training.TextPrior.minilm-l6-v2.cityscapes.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
    private static readonly Lazy<ClassTextTable> bundled = new(() =>
    {
        using var s = typeof(ClassTextTable).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"resource {ResourceName} missing from {typeof(ClassTextTable).Assembly.GetName().Name}");
        using var reader = new StreamReader(s);
        return FromJson(reader.ReadToEnd(), ResourceName);
    });

    /// <summary>The table compiled into this assembly (checked against <see cref="TrainIds.Names"/>).</summary>
    public static ClassTextTable Bundled => bundled.Value;

    /// <summary>Indented JSON with one table row per line (readable diffs; floats in shortest round-trip form).</summary>
    public string ToJson()
    {
        var sb = new System.Text.StringBuilder();
        sb.Append("{\n  \"encoder\": ").Append(JsonSerializer.Serialize(Encoder)).Append(",\n");
        sb.Append("  \"texts\": ").Append(JsonSerializer.Serialize(Texts)).Append(",\n");
        sb.Append("  \"dim\": ").Append(Dim).Append(",\n  \"vectors\": [\n");
        sb.AppendJoin(",\n", Vectors.Select(v => "    " + JsonSerializer.Serialize(v)));
        return sb.Append("\n  ]\n}\n").ToString();
    }

    /// <exception cref="InvalidDataException">Not a table, or rows of the wrong width.</exception>
    public static ClassTextTable FromJson(string json, string origin)
    {
        var t = JsonSerializer.Deserialize<ClassTextTable>(json, Json) ?? throw new InvalidDataException($"{origin}: empty text table");
        if (t.Vectors.Length != t.Texts.Length || t.Vectors.Any(v => v.Length != t.Dim))
            throw new InvalidDataException($"{origin}: expected {t.Texts.Length} rows of {t.Dim} floats");
        return t;
    }

    /// <summary>Row-major (classes × dim) copy, checked against the model's class list.</summary>
    /// <exception cref="ArgumentException">The table's texts are not the class names of <paramref name="cfg"/>.</exception>
    public float[] FlatFor(MFuserConfig cfg)
    {
        if (Texts.Length != cfg.NumClasses || !Texts.SequenceEqual(TrainIds.Names.Take(cfg.NumClasses)))
            throw new ArgumentException($"text table [{string.Join(", ", Texts)}] does not match the {cfg.NumClasses} Cityscapes class names");
        return Vectors.SelectMany(v => v).ToArray();
    }
}
