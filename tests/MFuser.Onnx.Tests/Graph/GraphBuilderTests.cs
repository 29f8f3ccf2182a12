using MFuser.Onnx.Graph;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Onnx.Tests.Graph;

public class GraphBuilderTests
{
    [Fact]
    public void Float_int_and_uint8_initializers_reach_the_runtime_intact()
    {
        var g = new GraphBuilder("init");
        var x = g.Input("x", ElementType.Float, 1, 3);
        var w = g.Initializer<float>("w", [1, 2, 3, 4, 5, 6], 3, 2);
        var b = g.Initializer<float>("b", [0.5f, -0.5f], 2);
        var y = g.Add(g.MatMul(x, w), b);
        var bytes = g.Initializer<byte>("bytes", [7, 200], 2);
        var shape = g.Initializer<long>("shape", [2, 1], 2);
        g.Output(y, "y", 1, 2);
        g.Output(g.Reshape(g.Cast(bytes, ElementType.Float), 2, 1), "z", 2, 1);
        g.Output(g.Node("Reshape", [g.Cast(bytes, ElementType.Float), shape]), "z2", 2, 1);

        var outputs = OrtRunner.Run<float>(g.ToModel(), OrtRunner.Input("x", new float[] { 1, 2, 3 }, 1, 3));

        Assert.Equal(new[] { 22.5f, 27.5f }, outputs["y"].ToArray());
        Assert.Equal(new[] { 7f, 200f }, outputs["z"].ToArray());
        Assert.Equal(new[] { 7f, 200f }, outputs["z2"].ToArray());
    }

    [Fact]
    public void Metadata_opsets_and_value_info_are_written()
    {
        var g = new GraphBuilder("meta");
        g.UseOpset("com.example", 3);
        var x = g.Input("x", ElementType.Float, 2);
        var y = g.Exp(x);
        g.Annotate(y, 2);
        g.Output(y, "y", 2);
        var model = g.ToModel(new Dictionary<string, string> { ["mfuser.preset"] = "tiny" });

        Assert.Contains(model.OpsetImport, o => o.Domain == "" && o.Version == GraphBuilder.DefaultOpset);
        Assert.Contains(model.OpsetImport, o => o.Domain == "com.example" && o.Version == 3);
        Assert.Single(model.Graph.ValueInfo, v => v.Name == y.Name);
        using var session = new InferenceSession(ModelFile.ToBytes(model));
        Assert.Equal("tiny", session.ModelMetadata.CustomMetadataMap["mfuser.preset"]);
    }

    [Fact]
    public void Names_are_scoped_and_unique_and_duplicates_are_refused()
    {
        var g = new GraphBuilder("names");
        var x = g.Input("x", ElementType.Float, 1);
        Value a, b;
        using (g.Scope("blocks.0"))
        using (g.Scope("attn"))
        {
            a = g.Exp(x);
            b = g.Exp(x);
        }
        Assert.StartsWith("blocks.0/attn/", a.Name);
        Assert.NotEqual(a.Name, b.Name);
        var error = Assert.Throws<ArgumentException>(() => g.Input("x", ElementType.Float, 1));
        Assert.Contains("'x'", error.Message);
        Assert.Throws<ArgumentException>(() => g.Initializer<float>("w", [1, 2, 3], 2, 2));
    }

    [Fact]
    public void Custom_domain_nodes_require_a_declared_opset()
    {
        var g = new GraphBuilder("custom");
        var x = g.Input("x", ElementType.Float, 1);
        var error = Assert.Throws<InvalidOperationException>(() => g.Node("Foo", [x], domain: "com.unknown"));
        Assert.Contains("com.unknown", error.Message);
    }

    [Fact]
    public void External_initializers_are_streamed_to_one_shared_file_and_load_by_path()
    {
        var dir = Directory.CreateTempSubdirectory("mfuser-onnx-ext").FullName;
        try
        {
            var weights = Enumerable.Range(0, 4096).Select(i => (float)Math.Sin(i)).ToArray();
            var reads = 0;
            using (var store = new ExternalInitializerStore(Path.Combine(dir, "model.weights")))
            {
                foreach (var variant in new[] { "a", "b" })
                {
                    var g = new GraphBuilder(variant, store);
                    var x = g.Input("x", ElementType.Float, 1, 64);
                    var w = g.LazyInitializer("w", () => { reads++; return weights; }, 64, 64);
                    g.Output(g.MatMul(x, w), "y", 1, 64);
                    ModelFile.Save(g.ToModel(), Path.Combine(dir, $"{variant}.onnx"));
                }
                Assert.Equal(4096 * 4, store.BytesWritten);  // written once, referenced twice
                Assert.Equal(1, reads);                      // and produced once
            }
            var input = new float[64];
            input[5] = 1f;
            foreach (var variant in new[] { "a", "b" })
            {
                using var session = new InferenceSession(Path.Combine(dir, $"{variant}.onnx"));
                var y = OrtRunner.Collect<float>(session, [OrtRunner.Input("x", input, 1, 64)])["y"].ToArray();
                Assert.Equal(weights.Skip(5 * 64).Take(64), y);
            }
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void Constants_are_named_by_content_so_variants_share_them_in_any_order()
    {
        var dir = Directory.CreateTempSubdirectory("mfuser-onnx-ext").FullName;
        try
        {
            var big1 = Enumerable.Range(0, 512).Select(i => (float)i).ToArray();
            var big2 = Enumerable.Range(0, 512).Select(i => (float)-i).ToArray();
            using var store = new ExternalInitializerStore(Path.Combine(dir, "w.bin"));
            var a = new GraphBuilder("a", store);
            var a1 = a.Constant<float>(big1, 512);
            var a2 = a.Constant<float>(big2, 512);
            Assert.Equal(a1, a.Constant<float>(big1, 512));       // shared within a graph
            var b = new GraphBuilder("b", store);
            b.Scalar(3f);                                          // a different constant first shifts nothing
            var b2 = b.Constant<float>(big2, 512);
            var b1 = b.Constant<float>(big1, 512);
            Assert.Equal((a1.Name, a2.Name), (b1.Name, b2.Name));
            Assert.NotEqual(a1.Name, a2.Name);
            Assert.True(store.BytesWritten <= 2 * 512 * 4 + 64, $"{store.BytesWritten} bytes: constants written twice");
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void External_store_refuses_a_name_reused_with_different_bytes()
    {
        var dir = Directory.CreateTempSubdirectory("mfuser-onnx-ext").FullName;
        try
        {
            using var store = new ExternalInitializerStore(Path.Combine(dir, "w.bin"), minExternalBytes: 4);
            new GraphBuilder("a", store).Initializer<float>("w", [1, 2], 2);
            var error = Assert.Throws<InvalidOperationException>(() => new GraphBuilder("b", store).Initializer<float>("w", [1, 3], 2));
            Assert.Contains("'w'", error.Message);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }
}
