using System.Text;
using System.Text.Json;

namespace MFuser.ModelPackage.Manifest;

/// <summary>Writes a <see cref="ModelManifest"/> as <c>model.json</c> in the shape <see cref="ManifestReader"/> reads
/// (docs/model-contract.md): the exporter and the trainer write the manifest with this, the daemon reads it with the
/// reader, so the two cannot drift apart.</summary>
public static class ManifestWriter
{
    /// <summary>The manifest as indented JSON text.</summary>
    public static string ToJson(ModelManifest m)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            Write(w, m);
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Writes <c>&lt;packageDir&gt;/model.json</c>.</summary>
    public static void WritePackage(string packageDir, ModelManifest m) =>
        File.WriteAllText(Path.Combine(packageDir, ModelManifest.FileName), ToJson(m));

    private static void Write(Utf8JsonWriter w, ModelManifest m)
    {
        w.WriteStartObject();
        w.WriteNumber("format_version", ModelManifest.FormatVersion);
        w.WriteString("name", m.Name);
        w.WriteString("version", m.Version);
        w.WriteStartObject("onnx");
        w.WriteString("file", m.OnnxFile);
        w.WriteString("sha256", m.Sha256);
        if (m.Weights is { } weights)
        {
            w.WriteStartObject("external_data");
            w.WriteString("file", weights.File);
            w.WriteString("sha256", weights.Sha256);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteStartObject("input");
        w.WriteString("name", m.Input.Name);
        w.WriteString("dtype", "uint8");
        w.WriteString("color_order", "BGR");
        w.WriteStartArray("shape");
        foreach (var d in new[] { 1, m.Input.Height, m.Input.Width, 3 })
            w.WriteNumberValue(d);
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteStartArray("outputs");
        foreach (var o in m.Outputs)
            w.WriteStringValue(o);
        w.WriteEndArray();
        w.WriteNumber("embedding_dim", m.EmbeddingDim);
        w.WriteStartArray("classes");
        foreach (var c in m.Classes)
        {
            w.WriteStartObject();
            w.WriteNumber("id", c.Id);
            w.WriteString("name", c.Name);
            w.WriteStartArray("color");
            w.WriteNumberValue(c.Color.R);
            w.WriteNumberValue(c.Color.G);
            w.WriteNumberValue(c.Color.B);
            w.WriteEndArray();
            w.WriteBoolean("drivable", c.Drivable);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        if (m.CustomOp is { } op)
        {
            w.WriteStartObject("custom_op");
            w.WriteString("library", op.Library);
            w.WriteString("domain", op.Domain);
            w.WriteNumber("min_version", op.MinVersion);
            w.WriteEndObject();
        }
        else
            w.WriteNull("custom_op");
        w.WriteStartObject("architecture");
        w.WriteString("summary", m.Architecture);
        w.WriteEndObject();
        w.WriteStartObject("training");
        w.WriteString("provenance", m.Training.Provenance);
        w.WriteStartObject("miou");
        foreach (var (domain, miou) in m.Training.MIoU)
            w.WriteNumber(domain, miou);
        w.WriteEndObject();
        w.WriteEndObject();
        if (m.DomainStatistics is { } stats)
            w.WriteString("domain_statistics", stats);
        else
            w.WriteNull("domain_statistics");
        w.WriteEndObject();
    }
}
