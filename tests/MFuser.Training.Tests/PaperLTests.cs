using MFuser.Onnx.Architecture;
using MFuser.Training.Checkpoints;
using MFuser.Training.Model;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MFuser.Training.Tests;

/// <summary>
/// paper-l by construction (no forward: 850M parameters): parameter counts per module equal research §8, the
/// official state-dict shapes of §11 are ours, and the official key map accounts for every key.
/// </summary>
public class PaperLTests
{
    private static readonly Lazy<(Dictionary<string, long[]> shapes, IReadOnlyList<ParameterGroup> groups)> PaperL = new(() =>
    {
        using var model = new MFuserModel(MFuserPresets.PaperL());
        return (OfficialKeyMap.Shapes(model), ParameterReport.Count(model, frozenEncoders: true));
    });

    [Fact]
    public void Parameter_counts_match_the_official_model_module_by_module()
    {
        var g = PaperL.Value.groups.ToDictionary(x => x.Module);
        Assert.Equal(40_022_040, g["backbone.adapter (fusers)"].Trainable);
        Assert.Equal(50_341_888, g["backbone.fpn1/fpn2 (pyramid)"].Trainable);
        Assert.Equal(1_494_401, g["context_decoder (MTEnhancer)"].Trainable);
        Assert.Equal(12_086_208, g["decode_head.pixel_decoder"].Trainable);
        Assert.Equal(14_209_280, g["decode_head.transformer_decoder"].Trainable);
        Assert.Equal(470_804, g["decode_head (queries, heads)"].Trainable);
        Assert.Equal(304_293_888, g["backbone.dinov2 (VFM encoder)"].Frozen);
        Assert.Equal(305_170_112, g["backbone (VLM encoder)"].Frozen + g["backbone.head (CLIP projection)"].Frozen);
        long trainable = PaperL.Value.groups.Sum(x => x.Trainable), frozen = PaperL.Value.groups.Sum(x => x.Frozen);
        Assert.InRange(trainable, 118_600_000 * 0.99, 118_600_000 * 1.01);
        // frozen differs from 733.1M by exactly the text tower this model replaces with the constant T0
        Assert.InRange(frozen + ParameterReport.OfficialTextTower, 733_100_000 * 0.99, 733_100_000 * 1.01);
    }

    /// <summary>Official keys and shapes of research §11 (EVA02-CLIP-L + DINOv2-L configuration).</summary>
    private static readonly (string key, long[] shape)[] OfficialShapes =
    [
        ("backbone.adapter.0.in_proj.weight", [1024, 1024]),
        ("backbone.adapter.23.conv1d_x.weight", [512, 1, 3]),
        ("backbone.adapter.0.x_proj.weight", [96, 512]),
        ("backbone.adapter.0.dt_proj.weight", [512, 64]),
        ("backbone.adapter.0.A_log", [512, 16]),
        ("backbone.adapter.0.out_proj.weight", [1024, 512]),
        ("backbone.adapter.0.scale", []),
        ("backbone.fpn1.0.weight", [2048, 2048, 2, 2]),
        ("backbone.fpn1.1.running_var", [2048]),
        ("backbone.fpn1.3.weight", [2048, 2048, 2, 2]),
        ("backbone.fpn2.0.weight", [2048, 2048, 2, 2]),
        ("backbone.pos_embed", [1, 1297, 1024]),
        ("backbone.rope.freqs_cos", [1296, 64]),
        ("backbone.blocks.0.attn.q_bias", [1024]),
        ("backbone.blocks.0.mlp.w1.weight", [2730, 1024]),
        ("backbone.blocks.23.mlp.ffn_ln.weight", [2730]),
        ("backbone.head.weight", [768, 1024]),
        ("backbone.dinov2.pos_embed", [1, 1297, 1024]),
        ("backbone.dinov2.mask_token", [1, 1024]),
        ("backbone.dinov2.blocks.0.attn.qkv.weight", [3072, 1024]),
        ("backbone.dinov2.blocks.0.ls1.gamma", [1024]),
        ("context_decoder.memory_proj.1.weight", [256, 768]),
        ("context_decoder.decoder.0.cross_attn.x_proj.weight", [48, 128]),
        ("context_decoder.decoder.0.cross_attn.dt_proj.weight", [128, 16]),
        ("context_decoder.decoder.0.mlp.3.weight", [256, 1024]),
        ("context_decoder.out_proj.1.weight", [768, 256]),
        ("decode_head.pixel_decoder.input_convs.0.conv.weight", [256, 2048, 1, 1]),
        ("decode_head.pixel_decoder.encoder.layers.5.attentions.0.sampling_offsets.weight", [192, 256]),
        ("decode_head.pixel_decoder.encoder.layers.0.attentions.0.attention_weights.weight", [96, 256]),
        ("decode_head.pixel_decoder.encoder.layers.0.attentions.1.attn.in_proj_weight", [768, 256]),
        ("decode_head.pixel_decoder.encoder.layers.0.ffns.0.layers.0.0.weight", [2048, 256]),
        ("decode_head.pixel_decoder.lateral_convs.0.conv.weight", [256, 2048, 1, 1]),
        ("decode_head.pixel_decoder.output_convs.0.conv.weight", [256, 256, 3, 3]),
        ("decode_head.pixel_decoder.text_pos_embed.weight", [19, 256]),
        ("decode_head.transformer_decoder.layers.8.attentions.1.attn.out_proj.weight", [256, 256]),
        ("decode_head.transformer_decoder.layers.0.ffns.0.layers.1.weight", [256, 2048]),
        ("decode_head.query_embed.weight", [19, 256]),
        ("decode_head.level_embed.weight", [3, 256]),
        ("decode_head.text_proj.2.weight", [256, 256]),
        ("decode_head.cls_embed.weight", [20, 256]),
        ("decode_head.mask_embed.4.weight", [256, 256]),
        ("gamma", [768]),
    ];

    [Fact]
    public void Official_keys_have_the_official_shapes()
    {
        var wrong = OfficialShapes
            .Where(e => !PaperL.Value.shapes.TryGetValue(e.key, out var ours) || !ours.SequenceEqual(e.shape))
            .Select(e => $"{e.key}: expected ({string.Join(",", e.shape)}), got " +
                         (PaperL.Value.shapes.TryGetValue(e.key, out var o) ? $"({string.Join(",", o)})" : "no such key"))
            .ToList();
        Assert.True(wrong.Count == 0, string.Join("\n", wrong));
    }

    [Fact]
    public void Key_map_accounts_for_every_official_key_of_paper_l()
    {
        var official = new Dictionary<string, long[]>(PaperL.Value.shapes);
        official.Remove("text_embeddings");
        official["text_encoder.positional_embedding"] = [13, 768];
        official["text_encoder.transformer.resblocks.0.attn.in_proj_weight"] = [2304, 768];
        official["contexts"] = [1, 8, 768];
        official["random_text"] = [19, 768];
        var report = OfficialKeyMap.Plan(official, PaperL.Value.shapes);
        Assert.Empty(report.ShapeMismatches);
        Assert.Equal(["text_embeddings"], report.Missing);
        Assert.Equal(4, report.Unexpected.Count);
        Assert.All(report.Unexpected.Keys, k => Assert.True(k.StartsWith("text_encoder.") || k is "contexts" or "random_text", k));
        // per-block RoPE tables exist under the official names (shared tensor)
        Assert.Equal([1296, 64], PaperL.Value.shapes["backbone.blocks.23.attn.rope.freqs_sin"]);
    }

    [Fact]
    public void Key_map_round_trips_an_official_style_safetensors_file()
    {
        var cfg = TrainingTests.Micro();
        manual_seed(21);
        using var source = new MFuserModel(cfg);
        var dict = source.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        dict["contexts"] = randn(1, 8, cfg.EmbedDim);
        dict["text_encoder.ln_final.weight"] = ones(cfg.EmbedDim);
        var path = Path.Combine(Path.GetTempPath(), $"official-{Guid.NewGuid():N}.safetensors");
        try
        {
            Safetensors.SaveStateDict(path, dict);
            manual_seed(99);
            using var target = new MFuserModel(cfg);
            var report = OfficialKeyMap.Load(target, path);
            Assert.Empty(report.Missing);
            Assert.Empty(report.ShapeMismatches);
            Assert.Equal(["contexts", "text_encoder.ln_final.weight"], report.Unexpected.Keys.Order());
            foreach (var (key, value) in target.state_dict())
                Assert.True(value.allclose(dict[key], 0, 0), $"{key} differs after loading");
            Assert.All(report.Mapped, kv => Assert.Equal(kv.Key, OfficialKeyMap.ToOfficial(kv.Value)));
        }
        finally { File.Delete(path); }
    }
}
