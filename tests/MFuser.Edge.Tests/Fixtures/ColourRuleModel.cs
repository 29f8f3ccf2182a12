using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using MFuser.Edge.Models;
using Onnx;

namespace MFuser.Edge.Tests.Fixtures;

/// <summary>A colour prototype of the fixture segmenter: pixels nearest to (B, G, R) get <paramref name="ClassId"/>.</summary>
public readonly record struct Prototype(byte B, byte G, byte R, byte ClassId);

/// <summary>The colour-rule "segmenter": a test fixture that satisfies the MFuser model contract (DESIGN.md §3) with
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
        TensorProto.Types.DataType InputType = TensorProto.Types.DataType.Uint8,
        string InputName = "image",
        string LabelsName = "labels",
        bool LabelsAsInt64 = false);

    /// <summary>Serialised ONNX model (IR 8, opset 17).</summary>
    public byte[] ToOnnx(Variant? variant = null)
    {
        variant ??= new Variant();
        var p = Prototypes.Count;
        var g = new GraphProto { Name = "colour_rule_segmenter" };
        g.Input.Add(ValueInfo(variant.InputName, variant.InputType, 1, Height, Width, 3));
        g.Output.Add(ValueInfo(variant.LabelsName, variant.LabelsAsInt64 ? TensorProto.Types.DataType.Int64 : TensorProto.Types.DataType.Uint8, 1, Height, Width));
        g.Output.Add(ValueInfo("confidence", TensorProto.Types.DataType.Uint8, 1, Height, Width));
        g.Output.Add(ValueInfo("embedding", TensorProto.Types.DataType.Float, 1, EmbeddingDim));

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
        g.Initializer.Add(FloatTensor("proto_w", weights, 3, p));
        g.Initializer.Add(FloatTensor("proto_b", bias, p));
        g.Initializer.Add(new TensorProto
        {
            Name = "class_of_proto", DataType = (int)TensorProto.Types.DataType.Uint8, Dims = { p },
            RawData = ByteString.CopyFrom(Prototypes.Select(q => q.ClassId).ToArray()),
        });
        g.Initializer.Add(FloatTensor("c255", [255f]));
        g.Initializer.Add(FloatTensor("inv255", [1f / 255f]));

        g.Node.Add(Node("Cast", [variant.InputName], ["x"], Int("to", (long)TensorProto.Types.DataType.Float)));
        g.Node.Add(Node("MatMul", ["x", "proto_w"], ["xw"]));
        g.Node.Add(Node("Add", ["xw", "proto_b"], ["scores"]));
        g.Node.Add(Node("ArgMax", ["scores"], ["proto_idx"], Int("axis", 3), Int("keepdims", 0)));
        g.Node.Add(Node("Gather", ["class_of_proto", "proto_idx"], [variant.LabelsAsInt64 ? "labels_u8" : variant.LabelsName], Int("axis", 0)));
        if (variant.LabelsAsInt64)
            g.Node.Add(Node("Cast", ["labels_u8"], [variant.LabelsName], Int("to", (long)TensorProto.Types.DataType.Int64)));
        g.Node.Add(Node("Softmax", ["scores"], ["prob"], Int("axis", 3)));
        g.Node.Add(Node("ReduceMax", ["prob"], ["pmax"], Ints("axes", 3), Int("keepdims", 0)));
        g.Node.Add(Node("Mul", ["pmax", "c255"], ["conf_f"]));
        g.Node.Add(Node("Round", ["conf_f"], ["conf_r"]));
        g.Node.Add(Node("Cast", ["conf_r"], ["confidence"], Int("to", (long)TensorProto.Types.DataType.Uint8)));
        g.Node.Add(Node("ReduceMean", ["x"], ["mean_bgr"], Ints("axes", 1, 2), Int("keepdims", 0)));
        g.Node.Add(Node("Mul", ["mean_bgr", "inv255"], ["embedding"]));

        var model = new ModelProto { IrVersion = 8, ProducerName = "mfuser-edge-tests", ProducerVersion = "1", Graph = g };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 17 });
        return model.ToByteArray();
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
        File.WriteAllText(Path.Combine(dir, ModelManifest.FileName), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        return dir;
    }

    public JsonObject Manifest(string sha256, string name) => new()
    {
        ["format_version"] = 1,
        ["name"] = name,
        ["version"] = "1.0.0",
        ["onnx"] = new JsonObject { ["file"] = "model.onnx", ["sha256"] = sha256 },
        ["input"] = new JsonObject { ["name"] = "image", ["dtype"] = "uint8", ["shape"] = new JsonArray(1, Height, Width, 3), ["color_order"] = "BGR" },
        ["outputs"] = new JsonArray("labels", "confidence", "embedding"),
        ["embedding_dim"] = EmbeddingDim,
        ["classes"] = new JsonArray(Cityscapes.Classes.Select(c => (JsonNode)new JsonObject
        {
            ["id"] = c.Id, ["name"] = c.Name, ["color"] = new JsonArray(c.Color.R, c.Color.G, c.Color.B), ["drivable"] = c.Drivable,
        }).ToArray()),
        ["custom_op"] = null,
        ["architecture"] = new JsonObject
        {
            ["summary"] = $"TEST FIXTURE, not MFuser: nearest-colour rule over {Prototypes.Count} BGR prototypes (Cast, MatMul, ArgMax, Gather, Softmax); no learned weights",
        },
        ["training"] = new JsonObject
        {
            ["provenance"] = "not trained: generated by tests/MFuser.Edge.Tests (Fixtures/ColourRuleModel.cs)",
            ["miou"] = new JsonObject(),
        },
        ["domain_statistics"] = null,
    };

    private static ValueInfoProto ValueInfo(string name, TensorProto.Types.DataType type, params long[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var d in dims)
            shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static TensorProto FloatTensor(string name, float[] data, params long[] dims)
    {
        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        t.Dims.AddRange(dims);
        t.FloatData.AddRange(data);
        return t;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var n = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        n.Input.AddRange(inputs);
        n.Output.AddRange(outputs);
        n.Attribute.AddRange(attributes);
        return n;
    }

    private static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var a = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        a.Ints.AddRange(values);
        return a;
    }
}
