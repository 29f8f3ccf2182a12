using MFuser.Onnx.Architecture;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Export;

/// <summary>Backbone outputs in graph form: pyramid levels (1, C, h, w) ×4, ×2, ×1, ×½ and CLIP-space tokens (T, E).</summary>
internal sealed record BackboneValues(Value[] Pyramid, (long H, long W)[] PyramidSizes, Value ClipTokens);

/// <summary>
/// Both encoders in lock-step with a fuser after each block pair, the simple feature pyramid and the CLIP-space
/// embedding (research §1.2–1.6), mirroring MFuser.Training.Model.Backbone. Keys under <c>backbone.</c>: EVA02 at the
/// top level, DINOv2 under <c>dinov2.</c>, fusers under <c>adapter.i</c>, pyramid under <c>fpn1</c>/<c>fpn2</c>.
/// </summary>
internal sealed class BackboneWriter(ModuleWriter m, MFuserConfig cfg, ScanVariant variant, Action<string> progress)
{
    private const string P = "backbone";
    private GraphBuilder G => m.G;
    private long Tokens => cfg.TokensPerStream;
    private int Width => cfg.Width;

    /// <summary>x: CLIP-normalised RGB (1, 3, H, W).</summary>
    public BackboneValues Write(Value x)
    {
        Value? eva = null, dino = null;
        if (cfg.Vlm is not null)
            using (G.Scope($"{P}.embed"))
                eva = Embed(x, P);
        if (cfg.Vfm is not null)
            using (G.Scope($"{P}.dinov2.embed"))
            {
                // DINO input = ImageNet-normalised RGB, from the CLIP-normalised input by one affine map per channel
                var scale = new float[3];
                var shift = new float[3];
                for (var ch = 0; ch < 3; ch++)
                {
                    scale[ch] = (float)cfg.PixelStd[ch] / (float)cfg.VfmPixelStd[ch];
                    shift[ch] = ((float)cfg.PixelMean[ch] - (float)cfg.VfmPixelMean[ch]) / (float)cfg.VfmPixelStd[ch];
                }
                var dinoIn = G.Add(G.Mul(x, G.Constant<float>(scale, 1, 3, 1, 1)), G.Constant<float>(shift, 1, 3, 1, 1));
                dino = Embed(dinoIn, $"{P}.dinov2");
            }

        Func<Value, Value>? rope = cfg.Vlm is { } vlm ? RopeRotation(vlm) : null;
        var features = new Dictionary<int, Value>();
        for (var i = 0; i < cfg.Depth; i++)
        {
            progress($"backbone block {i + 1}/{cfg.Depth}");
            if (eva is { } e) eva = EvaBlock(e, $"{P}.blocks.{i}", cfg.Vlm!, rope!);
            if (dino is { } d) dino = DinoBlock(d, $"{P}.dinov2.blocks.{i}", cfg.Vfm!);
            if (cfg.Fusion.Kind != FusionKind.None)
            {
                // scan order [DINO cls, DINO patches, EVA cls, EVA patches] (quirk 5)
                var s = dino is not null && eva is not null ? G.Concat(0, dino.Value, eva.Value) : (dino ?? eva)!.Value;
                var length = Tokens * cfg.StreamCount;
                var f = FuserWriter.Fuse(m, variant, cfg.Fusion, s, $"{P}.adapter.{i}", length, Width);
                if (dino is { } d2) dino = G.Add(d2, G.Slice(f, 0, 0, Tokens));
                if (eva is { } e2) eva = G.Add(e2, G.Slice(f, 0, dino is not null ? Tokens : 0, (dino is not null ? Tokens : 0) + Tokens));
            }
            if (cfg.PyramidLayers.Contains(i))
                features[i] = G.Concat(1, new[] { dino, eva }.Where(v => v is not null).Select(v => PatchMap(v!.Value)).ToArray());
        }

        progress("pyramid and CLIP-space tokens");
        long c = cfg.PyramidChannels, gh = cfg.GridH, gw = cfg.GridW;
        var byLayer = cfg.PyramidLayers.Select(l => features[l]).ToArray();
        Value[] pyramid;
        using (G.Scope($"{P}.fpn"))
        {
            var p0 = m.ConvTranspose2d(byLayer[0], $"{P}.fpn1.0", c, c, 2, 2);
            p0 = m.BatchNorm2d(p0, $"{P}.fpn1.1", c);
            p0 = m.ConvTranspose2d(G.Gelu(p0), $"{P}.fpn1.3", c, c, 2, 2);
            pyramid = [p0, m.ConvTranspose2d(byLayer[1], $"{P}.fpn2.0", c, c, 2, 2), byLayer[2], G.MaxPool(byLayer[3], [2, 2], [2, 2])];
        }
        (long, long)[] sizes = [(4 * gh, 4 * gw), (2 * gh, 2 * gw), (gh, gw), (gh / 2, gw / 2)];

        // CLIP-space tokens: EVA.norm(x_eva) + DINO.norm(x_dino) → EVA head (quirk 6)
        Value z;
        using (G.Scope($"{P}.clip"))
        {
            Value? sum = eva is { } ev ? m.LayerNorm(ev, $"{P}.norm", Width, 1e-6f) : null;
            if (dino is { } dn)
            {
                var dNorm = m.LayerNorm(dn, $"{P}.dinov2.norm", Width, 1e-6f);
                sum = sum is { } s0 ? G.Add(s0, dNorm) : dNorm;
            }
            z = m.Linear(sum!.Value, $"{P}.head", Width, cfg.EmbedDim);
        }
        return new BackboneValues(pyramid, sizes, z);
    }

    /// <summary>Patch conv → tokens, CLS prepended, absolute position embedding added: (T, width).</summary>
    private Value Embed(Value image, string prefix)
    {
        var patches = m.Conv2d(image, $"{prefix}.patch_embed.proj", 3, Width, cfg.PatchSize, cfg.PatchSize);
        var tokens = G.Transpose(G.Reshape(patches, Width, cfg.Patches), 1, 0);
        var cls = G.Reshape(m.Param($"{prefix}.cls_token", [1, 1, Width], new WeightInit.Normal(0.02)), 1, Width);
        var pos = G.Reshape(m.Param($"{prefix}.pos_embed", [1, Tokens, Width], new WeightInit.Normal(0.02)), Tokens, Width);
        return G.Add(G.Concat(0, cls, tokens), pos);
    }

    /// <summary>Patch tokens (rows 1..) of a stream as a (1, width, gridH, gridW) map.</summary>
    private Value PatchMap(Value tokens) =>
        G.Reshape(G.Transpose(G.Slice(tokens, 0, 1, Tokens), 1, 0), 1, Width, cfg.GridH, cfg.GridW);

    /// <summary>
    /// RoPE on (heads, T, head_dim): t·cos + rot(t)·sin with rot((a, b)) = (−b, a) on interleaved pairs, done as one
    /// MatMul with a ±1 permutation matrix. The CLS row gets cos 1, sin 0, i.e. stays untouched, as in the model.
    /// </summary>
    private Func<Value, Value> RopeRotation(VlmEncoderConfig vlm)
    {
        int hd = Width / vlm.Heads, patches = cfg.Patches;
        var (cosTable, sinTable) = PositionTables.Rope2d(hd, cfg.GridH, cfg.GridW, vlm.RopePretrainGrid);
        var cos = m.ReadValues($"{P}.rope.freqs_cos", [patches, hd], new WeightInit.Fixed(cosTable));
        var sin = m.ReadValues($"{P}.rope.freqs_sin", [patches, hd], new WeightInit.Fixed(sinTable));
        var cosWithCls = new float[(patches + 1) * hd];
        var sinWithCls = new float[cosWithCls.Length];
        Array.Fill(cosWithCls, 1f, 0, hd);
        cos.CopyTo(cosWithCls, hd);
        sin.CopyTo(sinWithCls, hd);
        var cosValue = G.Initializer<float>($"{P}.rope.freqs_cos_with_cls", cosWithCls, patches + 1, hd);
        var sinValue = G.Initializer<float>($"{P}.rope.freqs_sin_with_cls", sinWithCls, patches + 1, hd);
        var rotation = new float[hd * hd];
        for (var i = 0; i < hd / 2; i++)
        {
            rotation[(2 * i + 1) * hd + 2 * i] = -1f;   // out[2i]   = −t[2i+1]
            rotation[2 * i * hd + 2 * i + 1] = 1f;      // out[2i+1] =  t[2i]
        }
        var rotationValue = G.Initializer<float>($"{P}.rope.pair_rotation", rotation, hd, hd);
        return t => G.Add(G.Mul(t, cosValue), G.Mul(G.MatMul(t, rotationValue), sinValue));
    }

    /// <summary>EVA02 block: pre-norm (eps 1e-6); bias-free q/k/v + q_bias/v_bias, RoPE, sub-LN before proj; SwiGLU with ffn_ln.</summary>
    private Value EvaBlock(Value x, string prefix, VlmEncoderConfig vlm, Func<Value, Value> rope)
    {
        using var _ = G.Scope(prefix);
        long w = Width, t = Tokens;
        var a = m.LayerNorm(x, $"{prefix}.norm1", w, 1e-6f);
        var qBias = m.Param($"{prefix}.attn.q_bias", [w], new WeightInit.Normal(0.02));
        var vBias = m.Param($"{prefix}.attn.v_bias", [w], new WeightInit.Normal(0.02));
        Value ProjW(string name) => m.Param($"{prefix}.attn.{name}.weight", [w, w], ModuleWriter.FanIn(w));
        var q = m.Linear(a, ProjW("q_proj"), qBias);
        var k = m.Linear(a, ProjW("k_proj"), null);
        var v = m.Linear(a, ProjW("v_proj"), vBias);
        var o = m.Attend(q, k, v, t, t, w, vlm.Heads, rope: rope);
        o = m.Linear(m.LayerNorm(o, $"{prefix}.attn.inner_attn_ln", w, 1e-6f), $"{prefix}.attn.proj", w, w);
        x = G.Add(x, o);

        var h = m.LayerNorm(x, $"{prefix}.norm2", w, 1e-6f);
        var hidden = G.Mul(G.Silu(m.Linear(h, $"{prefix}.mlp.w1", w, vlm.MlpHidden)), m.Linear(h, $"{prefix}.mlp.w2", w, vlm.MlpHidden));
        var mlp = m.Linear(m.LayerNorm(hidden, $"{prefix}.mlp.ffn_ln", vlm.MlpHidden, 1e-6f), $"{prefix}.mlp.w3", vlm.MlpHidden, w);
        return G.Add(x, mlp);
    }

    /// <summary>DINOv2 block: pre-norm (eps 1e-6), fused qkv, LayerScale ls1/ls2, exact-GELU MLP.</summary>
    private Value DinoBlock(Value x, string prefix, VfmEncoderConfig vfm)
    {
        using var _ = G.Scope(prefix);
        long w = Width, t = Tokens;
        var layerScale = new WeightInit.Constant(0.1, 0.02);
        var qkv = G.Split(m.Linear(m.LayerNorm(x, $"{prefix}.norm1", w, 1e-6f), $"{prefix}.attn.qkv", w, 3 * w), 1, w, w, w);
        var attn = m.Linear(m.Attend(qkv[0], qkv[1], qkv[2], t, t, w, vfm.Heads), $"{prefix}.attn.proj", w, w);
        x = G.Add(x, G.Mul(attn, m.Param($"{prefix}.ls1.gamma", [w], layerScale)));
        var h = m.LayerNorm(x, $"{prefix}.norm2", w, 1e-6f);
        var mlp = m.Linear(G.Gelu(m.Linear(h, $"{prefix}.mlp.fc1", w, vfm.MlpHidden)), $"{prefix}.mlp.fc2", vfm.MlpHidden, w);
        return G.Add(x, G.Mul(mlp, m.Param($"{prefix}.ls2.gamma", [w], layerScale)));
    }
}
