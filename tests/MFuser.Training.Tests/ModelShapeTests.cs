using MFuser.Onnx.Architecture;
using MFuser.Training.Model;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>Shapes through every module (tiny by running it; small and paper-l by construction and counting).</summary>
public class ModelShapeTests
{
    [Theory]
    [InlineData("mfuser")]
    [InlineData("vfm-only")]
    [InlineData("vlm-only")]
    [InlineData("attention")]
    public void Tiny_forward_shapes(string baseline)
    {
        var cfg = MFuserPresets.WithBaseline(MFuserPresets.Tiny(), baseline);
        manual_seed(1);
        using var model = new MFuserModel(cfg);
        model.eval();
        using var _ = no_grad();
        var x = randn(2, 3, cfg.ImageHeight, cfg.ImageWidth);
        var bb = model.Backbone.call(x);
        long c = cfg.PyramidChannels, gh = cfg.GridH, gw = cfg.GridW;
        Assert.Equal(new long[] { 2, c, gh * 4, gw * 4 }, bb.Pyramid[0].shape);
        Assert.Equal(new long[] { 2, c, gh * 2, gw * 2 }, bb.Pyramid[1].shape);
        Assert.Equal(new long[] { 2, c, gh, gw }, bb.Pyramid[2].shape);
        Assert.Equal(new long[] { 2, c, gh / 2, gw / 2 }, bb.Pyramid[3].shape);
        Assert.Equal(new long[] { 2, 1, cfg.EmbedDim }, bb.GlobalToken.shape);
        Assert.Equal(new long[] { 2, cfg.Patches, cfg.EmbedDim }, bb.VisualTokens.shape);
        var o = model.call(x);
        Assert.Equal(cfg.Decoder.TransformerLayers + 1, o.Head.ClassLogits.Length);
        Assert.All(o.Head.ClassLogits, t => Assert.Equal(new long[] { 2, cfg.NumClasses, cfg.NumClasses + 1 }, t.shape));
        Assert.All(o.Head.MaskLogits, t => Assert.Equal(new long[] { 2, cfg.NumClasses, gh * 4, gw * 4 }, t.shape));
        Assert.Equal(new long[] { 2, cfg.NumClasses, gh * 4, gw * 4 }, o.SegLogits.shape);
        Assert.Equal(new long[] { 2, cfg.EmbedDim }, o.Embedding.shape);
        Assert.Equal(new long[] { 2, cfg.NumClasses, gh, gw }, o.ScoreMap.shape);
        Assert.True(o.SegLogits.isfinite().all().item<bool>());
        Assert.Equal(new long[] { 2, cfg.ImageHeight, cfg.ImageWidth }, model.Predict(x).shape);
    }

    [Theory]
    [InlineData("mfuser")]
    [InlineData("attention")]
    public void State_dict_holds_only_official_style_keys_without_duplicates(string baseline)
    {
        using var model = new MFuserModel(MFuserPresets.WithBaseline(MFuserPresets.Tiny(), baseline));
        var keys = model.state_dict().Keys.ToList();
        var odd = keys.Where(k => !System.Text.RegularExpressions.Regex.IsMatch(k, @"^[a-z0-9_.]+(A_log|D)?$")).ToList();
        Assert.True(odd.Count == 0, "unexpected keys: " + string.Join(", ", odd));
        // every parameter appears once, under its registered name
        var parameters = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(parameters.Count, parameters.Distinct().Count());
        Assert.All(parameters, p => Assert.Contains(p, keys));
        long stateParams = model.state_dict().Where(kv => parameters.Contains(kv.Key)).Sum(kv => kv.Value.numel());
        Assert.Equal(model.parameters().Sum(p => p.numel()), stateParams);
        Assert.DoesNotContain(keys, k => k.Contains(".cross.") || k.Contains(".deform.") || k.Contains(".mha.") || k.Contains("vfm"));
    }

    [Fact]
    public void Wrong_input_size_is_rejected_with_the_expected_shape()
    {
        using var model = new MFuserModel(MFuserPresets.Tiny());
        var ex = Assert.Throws<ArgumentException>(() => model.call(zeros(1, 3, 128, 128)));
        Assert.Contains("(B, 3, 256, 512)", ex.Message);
    }
}
