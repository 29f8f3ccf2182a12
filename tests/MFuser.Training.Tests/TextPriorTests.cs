using MFuser.ModelPackage.Classes;
using MFuser.Onnx.Architecture;
using MFuser.Onnx.Weights;
using MFuser.Scenes;
using MFuser.Training.Model;
using MFuser.Training.TextPrior;
using MFuser.Training.Learning;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>The MiniLM class-name table (against the real encoder), the projected T0 in the model and its export fold.</summary>
public class TextPriorTests
{
    private static double Dot(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

    [Fact]
    public void Bundled_table_is_what_the_packaged_MiniLM_encoder_gives_for_the_raw_class_names()
    {
        var bundled = ClassTextTable.Bundled;
        Assert.Equal(TrainIds.Names, bundled.Texts);
        Assert.Equal(384, bundled.Dim);
        var fresh = MiniLmEncoder.Encode(TrainIds.Names);
        for (int c = 0; c < TrainIds.Count; c++)
        {
            double maxDiff = fresh[c].Zip(bundled.Vectors[c]).Max(p => Math.Abs(p.First - p.Second));
            Assert.True(maxDiff < 1e-5,
                $"{TrainIds.Names[c]}: bundled row differs from the encoder by {maxDiff:E2}; rerun `mfuser-train text-prior`");
            Assert.Equal(1.0, Math.Sqrt(Dot(bundled.Vectors[c], bundled.Vectors[c])), 4);
        }
        // a real sentence encoder: related names are closer than unrelated ones
        float[] V(string n) => bundled.Vectors[TrainIds.Names.ToList().IndexOf(n)];
        Assert.True(Dot(V("car"), V("truck")) > Dot(V("car"), V("sky")) + 0.2);
        Assert.True(Dot(V("bicycle"), V("motorcycle")) > Dot(V("bicycle"), V("building")) + 0.2);
    }

    [Fact]
    public void Table_json_round_trips_exactly()
    {
        var t = ClassTextTable.Bundled;
        var back = ClassTextTable.FromJson(t.ToJson(), "test");
        Assert.Equal(t.Texts, back.Texts);
        for (int c = 0; c < t.Vectors.Length; c++) Assert.Equal(t.Vectors[c], back.Vectors[c]);
        Assert.Throws<InvalidDataException>(() => ClassTextTable.FromJson("""{"encoder":"x","texts":["a"],"dim":3,"vectors":[[1,2]]}""", "bad"));
    }

    [Fact]
    public void Projected_prior_is_a_constant_buffer_through_a_trained_projection()
    {
        var cfg = TextPriorProjection.Apply(TrainingTests.Micro(), "minilm");
        Assert.Equal(TextEmbeddingSource.Projected, cfg.TextEmbeddings);
        Assert.EndsWith("+minilm", cfg.Name);
        manual_seed(1);
        using var model = new MFuserModel(cfg);
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Contains("text_prior.proj.weight", names);
        Assert.DoesNotContain("text_prior.table", names);
        Assert.DoesNotContain("text_embeddings", names);
        var table = model.named_buffers().Single(b => b.name == "text_prior.table").buffer;
        Assert.Equal(new long[] { 1, 19, 384 }, table.shape);
        Assert.Equal(ClassTextTable.Bundled.Vectors[13][5], table[0, 13, 5].item<float>());

        var (x, y) = new SceneData(new PatternScenes(), cfg).TrainBatch(1, 0, 2);
        Losses.Compute(model.call(x), y, cfg.NumClasses, new LossWeights()).Total.backward();
        var proj = model.named_parameters().Single(p => p.name == "text_prior.proj.weight").parameter;
        Assert.True(proj.grad is not null && proj.grad.abs().sum().item<float>() > 0, "no gradient reaches the projection");
        Assert.Throws<ArgumentException>(() => TextPriorProjection.Apply(cfg, "clip"));
    }

    [Fact]
    public void Export_view_folds_table_and_projection_into_text_embeddings()
    {
        var cfg = TextPriorProjection.Apply(TrainingTests.Micro(), "minilm");
        manual_seed(2);
        using var model = new MFuserModel(cfg);
        var state = model.state_dict();
        var w = state["text_prior.proj.weight"]; var b = state["text_prior.proj.bias"]; var t = state["text_prior.table"];
        var expected = matmul(t, w.t()) + b;                                            // (1, K, E)
        var source = new DictionaryWeights(state.Where(kv => kv.Value.dtype == ScalarType.Float32)
            .ToDictionary(kv => kv.Key, kv => kv.Value.contiguous().data<float>().ToArray()));
        var folded = FoldedTextPrior.Wrap(cfg, source).Read(FoldedTextPrior.Key, [1, cfg.NumClasses, cfg.EmbedDim], new WeightInit.Normal(1));
        var diff = (tensor(folded).view(1, cfg.NumClasses, cfg.EmbedDim) - expected).abs().max().item<float>();
        Assert.True(diff < 1e-5, $"folded T0 differs from the module's by {diff:E2}");
        Assert.Same(source, FoldedTextPrior.Wrap(TrainingTests.Micro(), source));   // learned T0: nothing to fold
    }

    private sealed class DictionaryWeights(Dictionary<string, float[]> values) : IWeightSource
    {
        public float[] Read(string key, long[] shape, WeightInit init) => values[key];
    }
}
