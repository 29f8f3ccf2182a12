using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Graph;

namespace MFuser.TestSupport;

/// <summary>A colour prototype of the fixture segmenter: pixels nearest to (B, G, R) get <paramref name="ClassId"/>.</summary>
public readonly record struct Prototype(byte B, byte G, byte R, byte ClassId);

/// <summary>The colour-rule "segmenter": a test fixture that satisfies the MFuser model contract (docs/model-contract.md) with
/// exactly predictable output. Each pixel is labelled with the class of the nearest colour prototype (squared BGR
/// distance); confidence is round(255 · max softmax(−d²/T)); the embedding is the mean BGR colour / 255.
/// It is test data, not MFuser.</summary>
public sealed record ColourRuleModel(int Height, int Width, IReadOnlyList<Prototype> Prototypes)
{
    /// <summary>Softmax temperature on squared distances.</summary>
    public const float Temperature = 400f;

    public const int EmbeddingDim = 3;

    /// <summary>Prototypes that cover the colours of a synthetic street scene and of the Cityscapes palette.</summary>
    public static IReadOnlyList<Prototype> StreetPrototypes { get; } =
    [
        .. Cityscapes.Classes.Select(c => new Prototype(c.Color.B, c.Color.G, c.Color.R, (byte)c.Id)),
        new(90, 90, 90, 0),      // asphalt grey → road
        new(60, 60, 60, 0),      // dark asphalt → road
        new(160, 160, 160, 1),   // light pavement → sidewalk
        new(40, 120, 40, 8),     // green → vegetation
        new(230, 200, 150, 10),  // light blue sky (BGR) → sky
        new(240, 240, 240, 10),  // overcast white → sky
    ];

    public static ColourRuleModel Default { get; } = new(192, 320, StreetPrototypes);

    /// <summary>The label the model must give to one BGR pixel (ties go to the first prototype, as ArgMax does).</summary>
    public byte LabelOf(byte b, byte g, byte r)
    {
        var best = 0;
        var bestScore = double.NegativeInfinity;
        for (var p = 0; p < Prototypes.Count; p++)
        {
            var q = Prototypes[p];
            // Same form as the graph: 2·x·c − |c|² (the |x|² term is equal for every prototype).
            double score = 2.0 * (b * q.B + g * q.G + r * q.R) - (q.B * q.B + q.G * q.G + q.R * q.R);
            if (score > bestScore)
            {
                bestScore = score;
                best = p;
            }
        }
        return Prototypes[best].ClassId;
    }

    /// <summary>Labels of a whole BGR image of the model's size.</summary>
    public byte[] LabelsOf(ReadOnlySpan<byte> bgr)
    {
        var labels = new byte[Height * Width];
        for (var i = 0; i < labels.Length; i++)
            labels[i] = LabelOf(bgr[3 * i], bgr[3 * i + 1], bgr[3 * i + 2]);
        return labels;
    }

    /// <summary>Options to produce deliberately broken variants for the bad-input tests.</summary>
    public sealed record Variant(
        ElementType InputType = ElementType.UInt8,
        string InputName = "image",
        string LabelsName = "labels",
        bool LabelsAsInt64 = false);

    /// <summary>Serialised ONNX model (opset 18), written with MFuser.Onnx's graph builder.</summary>
    public byte[] ToOnnx(Variant? variant = null)
    {
        variant ??= new Variant();
        var p = Prototypes.Count;
        var weights = new float[3 * p];
        var bias = new float[p];
        for (var i = 0; i < p; i++)
        {
            var q = Prototypes[i];
            float[] c = [q.B, q.G, q.R];
            for (var k = 0; k < 3; k++)
                weights[k * p + i] = 2f * c[k] / Temperature;
            bias[i] = -(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]) / Temperature;
        }

        var g = new GraphBuilder("colour_rule_segmenter");
        var x = g.Cast(g.Input(variant.InputName, variant.InputType, 1, Height, Width, 3), ElementType.Float);
        // scores = (2·x·c − |c|²) / T per prototype: −d²/T up to a term that is equal for every prototype.
        var scores = g.Add(g.MatMul(x, g.Initializer<float>("proto_w", weights, 3, p)), g.Initializer<float>("proto_b", bias, p));

        // Graph outputs are the named outputs of their last nodes (no Identity in between).
        var classOfProto = g.Initializer<byte>("class_of_proto", Prototypes.Select(q => q.ClassId).ToArray(), p);
        var protoIdx = g.ArgMax(scores, axis: 3, keepDims: false);
        var labels = variant.LabelsAsInt64
            ? g.Node("Cast", [g.Gather(classOfProto, protoIdx, axis: 0)], ElementType.Int64, name: variant.LabelsName,
                attributes: Attr.Int("to", (long)ElementType.Int64))
            : g.Node("Gather", [classOfProto, protoIdx], name: variant.LabelsName, attributes: Attr.Int("axis", 0));
        g.Output(labels, labels.Name, 1, Height, Width);

        var pmax = g.ReduceMax(g.Softmax(scores, axis: 3), [3], keepDims: false);
        var confidence = g.Node("Cast", [g.Round(g.Mul(pmax, g.Scalar(255f)))], ElementType.UInt8, name: "confidence",
            attributes: Attr.Int("to", (long)ElementType.UInt8));
        g.Output(confidence, confidence.Name, 1, Height, Width);

        var embedding = g.Node("Mul", [g.ReduceMean(x, [1, 2], keepDims: false), g.Scalar(1f / 255f)], name: "embedding");
        g.Output(embedding, embedding.Name, 1, EmbeddingDim);

        var model = g.ToModel();
        model.ProducerName = "mfuser-edge-tests";
        return ModelFile.ToBytes(model);
    }

    /// <summary>Writes a complete package (model.onnx + model.json) into <paramref name="dir"/>; <paramref name="edit"/>
    /// may change the manifest before it is written.</summary>
    public string WritePackage(string dir, Variant? variant = null, Action<JsonObject>? edit = null, string name = "fixture-colour-rule")
    {
        Directory.CreateDirectory(dir);
        var onnx = ToOnnx(variant);
        File.WriteAllBytes(Path.Combine(dir, "model.onnx"), onnx);
        var manifest = Manifest(Convert.ToHexStringLower(SHA256.HashData(onnx)), name);
        edit?.Invoke(manifest);
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName),
            manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return dir;
    }

    public JsonObject Manifest(string sha256, string name) => new()
    {
        ["format_version"] = 1,
        ["name"] = name,
        ["version"] = "1.0.0",
        ["onnx"] = new JsonObject { ["file"] = "model.onnx", ["sha256"] = sha256 },
        ["input"] = new JsonObject { ["name"] = "image", ["dtype"] = "uint8", ["shape"] = new JsonArray(1, Height, Width, 3),
            ["color_order"] = "BGR" },
        ["outputs"] = new JsonArray("labels", "confidence", "embedding"),
        ["embedding_dim"] = EmbeddingDim,
        ["classes"] = new JsonArray(Cityscapes.Classes.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id, ["name"] = c.Name, ["color"] = new JsonArray(c.Color.R, c.Color.G, c.Color.B), ["drivable"] = c.Drivable,
        }).ToArray()),
        ["custom_op"] = null,
        ["architecture"] = new JsonObject
        {
            ["summary"] = $"TEST FIXTURE, not MFuser: nearest-colour rule over {Prototypes.Count} BGR prototypes (Cast, MatMul, ArgMax, Gather, " +
                          $"Softmax); no learned weights",
        },
        ["training"] = new JsonObject
        {
            ["provenance"] = "not trained: generated by tests/MFuser.Edge.Tests (Fixtures/ColourRuleModel.cs)",
            ["miou"] = new JsonObject(),
        },
        ["domain_statistics"] = null,
    };
}
