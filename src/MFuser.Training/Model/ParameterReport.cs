using MFuser.Onnx.Architecture;
using static TorchSharp.torch;

namespace MFuser.Training.Model;

/// <summary>One row of <c>mfuser-train describe</c>: a module group and its trainable / frozen parameter counts.</summary>
public sealed record ParameterGroup(string Module, long Trainable, long Frozen);

/// <summary>Counts parameters per module group, trainable vs frozen, the way the official segmentor splits them.</summary>
public static class ParameterReport
{
    /// <summary>Module group of a parameter name (official key layout).</summary>
    public static string GroupOf(string name) => name switch
    {
        _ when name.StartsWith("backbone.dinov2.") => "backbone.dinov2 (VFM encoder)",
        _ when name.StartsWith("backbone.adapter.") => "backbone.adapter (fusers)",
        _ when name.StartsWith("backbone.fpn") => "backbone.fpn1/fpn2 (pyramid)",
        _ when name.StartsWith("backbone.head.") => "backbone.head (CLIP projection)",
        _ when name.StartsWith("backbone.") => "backbone (VLM encoder)",
        _ when name.StartsWith("context_decoder.") => "context_decoder (MTEnhancer)",
        _ when name.StartsWith("decode_head.pixel_decoder.") => "decode_head.pixel_decoder",
        _ when name.StartsWith("decode_head.transformer_decoder.") => "decode_head.transformer_decoder",
        _ when name.StartsWith("decode_head.") => "decode_head (queries, heads)",
        _ => "text (gamma, text_embeddings)",
    };

    /// <summary>
    /// True when the official recipe freezes the parameter under parameter-efficient training: every backbone weight
    /// except adapter/fpn (the encoders, their final norms and the CLIP head).
    /// </summary>
    public static bool IsEncoderParameter(string name) =>
        name.StartsWith("backbone.") && Backbone.IsEncoderParameter(name["backbone.".Length..]);

    public static IReadOnlyList<ParameterGroup> Count(MFuserModel model, bool frozenEncoders)
    {
        var groups = new Dictionary<string, (long t, long f)>();
        foreach (var (name, p) in model.named_parameters())
        {
            var g = GroupOf(name);
            groups.TryGetValue(g, out var c);
            if (frozenEncoders && IsEncoderParameter(name)) c.f += p.numel(); else c.t += p.numel();
            groups[g] = c;
        }
        return groups.Select(kv => new ParameterGroup(kv.Key, kv.Value.t, kv.Value.f)).ToList();
    }

    /// <summary>EVA02-CLIP-L text tower (context 13) parameter count, research §8.</summary>
    public const long OfficialTextTower = 123_601_152;
    /// <summary>Official <c>contexts</c> (1×8×768) + <c>random_text</c> (19×768).</summary>
    public const long OfficialTextExtras = 6_144 + 14_592;

    /// <summary>Text for describe: one row per group, then <c>total trainable=&lt;int&gt; frozen=&lt;int&gt;</c>.</summary>
    public static string Format(MFuserConfig cfg, IReadOnlyList<ParameterGroup> groups, bool frozenEncoders)
    {
        var sb = new System.Text.StringBuilder();
        sb.AppendLine($"preset {cfg.Name}: {cfg.ImageHeight}x{cfg.ImageWidth}, patch {cfg.PatchSize} (grid {cfg.GridH}x{cfg.GridW}), " +
                      $"width {cfg.Width}, depth {cfg.Depth}, " +
                      $"streams {(cfg.Vfm is null ? "" : "VFM ")}{(cfg.Vlm is null ? "" : "VLM")}, fusion {cfg.Fusion.Kind}, " +
                      $"encoders {(frozenEncoders ? "frozen" : "trained")}");
        sb.AppendLine($"{"module",-36} {"trainable",14} {"frozen",14}");
        foreach (var g in groups) sb.AppendLine($"{g.Module,-36} {g.Trainable,14:N0} {g.Frozen,14:N0}");
        if (cfg.TextEmbeddings == TextEmbeddingSource.Constant && cfg.EmbedDim == 768)
        {
            // Official modules this model replaces by the precomputed constant T0 (buffer text_embeddings, K×E):
            // the frozen EVA02-CLIP-L text tower (research §8) and the CoOp context / unused random_text parameters.
            sb.AppendLine($"not built: text_encoder (frozen in the official model; replaced by constant T0) {OfficialTextTower:N0} frozen");
            sb.AppendLine($"not built: contexts (1x8x768) + random_text (19x768), official trainable, unused without the text " +
                          $"tower: {OfficialTextExtras:N0} trainable");
            sb.AppendLine($"official-equivalent: trainable={groups.Sum(g => g.Trainable) + OfficialTextExtras} " +
                          $"frozen={groups.Sum(g => g.Frozen) + OfficialTextTower}");
        }
        sb.AppendLine($"total trainable={groups.Sum(g => g.Trainable)} frozen={groups.Sum(g => g.Frozen)}");
        return sb.ToString();
    }
}
