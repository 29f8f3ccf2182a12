using System.Text.Json;
using MFuser.ModelPackage.Files;

namespace MFuser.ModelPackage.DomainStatistics;

/// <summary>
/// Reads and writes a <see cref="DomainReference"/> as JSON (docs/field-logging.md):
/// <code>
/// { "format": "mfuser-domain-reference/1", "source": "...", "count": 1200,
///   "signals": { "brightness": { "mean": 0.52, "std": 0.03 }, ... },
///   "embedding": { "mean": [ ... E floats ... ],
///                  "precision": [ ... E·E floats, row-major ... ]     // or
///                  "covariance": [ ... E·E ... ], "shrinkage": 0.1 } }
/// </code>
/// Every member but <c>format</c> is optional. Errors name the file, the JSON path, what was expected and what
/// was found.
/// </summary>
public static class DomainReferenceFile
{
    public const string Format = "mfuser-domain-reference/1";

    /// <summary>Loads <paramref name="path"/>.</summary>
    /// <exception cref="FormatException">The file is not a valid reference; the message names file and key.</exception>
    public static DomainReference Load(string path)
    {
        if (RegularFile.Problem(path) is { } notRegular)
            throw new FormatException($"{path}: is {notRegular}");
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new FormatException($"{path}: cannot read the domain reference: {e.Message}", e);
        }
        return Parse(bytes, path);
    }

    /// <summary>Parses reference JSON; <paramref name="origin"/> names it in error messages.</summary>
    public static DomainReference Parse(ReadOnlySpan<byte> json, string origin = "domain reference")
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{origin}: not valid JSON: {e.Message}", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            FormatException Fail(string key, string expected, string actual) => new($"{origin}: {key}: expected {expected}, found {actual}");
            if (root.ValueKind != JsonValueKind.Object)
                throw Fail("$", "an object", root.ValueKind.ToString());
            var format = root.TryGetProperty("format", out var f) && f.ValueKind == JsonValueKind.String ? f.GetString() : null;
            if (format != Format)
                throw Fail("$.format", $"\"{Format}\"", format is null ? "nothing" : $"\"{format}\"");

            EmbeddingReference? embedding = null;
            if (root.TryGetProperty("embedding", out var emb) && emb.ValueKind != JsonValueKind.Null)
            {
                var mean = Floats(emb, "mean", "$.embedding.mean", Fail);
                var e = mean.Length;
                try
                {
                    if (emb.TryGetProperty("precision", out _))
                        embedding = EmbeddingReference.FromPrecision(mean, Floats(emb, "precision", "$.embedding.precision", Fail, e * e));
                    else if (emb.TryGetProperty("covariance", out _))
                    {
                        var shrinkage = emb.TryGetProperty("shrinkage", out var sh)
                            ? sh.ValueKind == JsonValueKind.Number ? sh.GetDouble()
                                : throw Fail("$.embedding.shrinkage", "a number", sh.ValueKind.ToString())
                            : EmbeddingReference.DefaultShrinkage;
                        var cov = Floats(emb, "covariance", "$.embedding.covariance", Fail, e * e);
                        embedding = EmbeddingReference.FromCovariance(mean, Array.ConvertAll(cov, v => (double)v), shrinkage);
                    }
                    else
                        throw Fail("$.embedding", "\"precision\" or \"covariance\"", "neither");
                }
                catch (ArgumentException ex)
                {
                    throw new FormatException($"{origin}: $.embedding: {ex.Message}", ex);
                }
            }

            var reference = new DomainReference
            {
                Source = root.TryGetProperty("source", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()! : "",
                Count = root.TryGetProperty("count", out var c) && c.ValueKind == JsonValueKind.Number ? c.GetInt64() : 0,
                Embedding = embedding,
            };
            if (root.TryGetProperty("signals", out var signals) && signals.ValueKind != JsonValueKind.Null)
            {
                if (signals.ValueKind != JsonValueKind.Object)
                    throw Fail("$.signals", "an object", signals.ValueKind.ToString());
                foreach (var p in signals.EnumerateObject())
                {
                    var key = $"$.signals.{p.Name}";
                    if (!ShiftSignals.TryParse(p.Name, out var signal))
                        throw Fail(key, $"one of {string.Join(", ", ShiftSignals.All.Select(x => x.Name()))}", $"\"{p.Name}\"");
                    double Number(string name) =>
                        p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number
                            && double.IsFinite(v.GetDouble())
                            ? v.GetDouble()
                            : throw Fail($"{key}.{name}", "a finite number",
                                p.Value.ValueKind == JsonValueKind.Object && p.Value.TryGetProperty(name, out var w) ? w.GetRawText() : "nothing");
                    var std = Number("std");
                    if (std < 0)
                        throw Fail($"{key}.std", "≥ 0", std.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    reference[signal] = new SignalReference(Number("mean"), std);
                }
            }
            return reference;
        }
    }

    /// <summary>Writes <paramref name="reference"/> (embedding as its precision matrix) to <paramref name="path"/>
    /// atomically: a new temporary file of a name nobody can guess (created, never opened through a link someone left
    /// there), flushed, then renamed over the target.</summary>
    /// <exception cref="IOException">The target exists and is not a regular file (a device, a FIFO).</exception>
    public static void Save(DomainReference reference, string path)
    {
        if (RegularFile.KindOf(path) is not (FileKind.Missing or FileKind.Regular or FileKind.Unknown))
            throw new IOException($"{path}: {RegularFile.Problem(path)}; it is not replaced");
        var full = Path.GetFullPath(path);
        var temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Write(reference, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // nothing left behind when the write or the rename failed
        }
    }

    /// <summary>Writes the JSON form of <paramref name="reference"/> to <paramref name="stream"/>.</summary>
    public static void Write(DomainReference reference, Stream stream)
    {
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("format", Format);
        w.WriteString("source", reference.Source);
        w.WriteNumber("count", reference.Count);
        w.WriteStartObject("signals");
        foreach (var signal in ShiftSignals.All)
            if (reference[signal] is { } r)
            {
                w.WriteStartObject(signal.Name());
                w.WriteNumber("mean", r.Mean);
                w.WriteNumber("std", r.Std);
                w.WriteEndObject();
            }
        w.WriteEndObject();
        if (reference.Embedding is { } e)
        {
            w.WriteStartObject("embedding");
            w.WriteStartArray("mean");
            foreach (var v in e.Mean)
                w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteStartArray("precision");
            foreach (var v in e.Precision)
                w.WriteNumberValue(v);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        w.WriteEndObject();
    }

    private static float[] Floats(JsonElement parent, string name, string key, Func<string, string, string, FormatException> fail,
        int expectedLength = -1)
    {
        if (!parent.TryGetProperty(name, out var array) || array.ValueKind != JsonValueKind.Array)
            throw fail(key, "an array of numbers", parent.TryGetProperty(name, out var a) ? a.ValueKind.ToString() : "nothing");
        var length = array.GetArrayLength();
        if (expectedLength >= 0 && length != expectedLength)
            throw fail(key, $"{expectedLength} numbers", $"{length}");
        var values = new float[length];
        var i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !float.IsFinite(v.GetSingle()))
                throw fail($"{key}[{i}]", "a finite number", v.GetRawText());
            values[i++] = v.GetSingle();
        }
        return values;
    }
}
