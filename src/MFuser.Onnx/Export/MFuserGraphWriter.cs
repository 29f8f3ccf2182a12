using MFuser.Onnx.Architecture;
using MFuser.Onnx.Contract;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Export;

/// <summary>
/// Writes the whole MFuser network as one ONNX graph with the model-package I/O contract (docs/model-contract.md): uint8 BGR
/// <c>image</c> in; <c>labels</c>, <c>confidence</c>, <c>embedding</c> (and optionally <c>logits</c>) out. The forward
/// mirrors MFuser.Training.Model.MFuserModel op for op; parameters are read by their state-dict keys. The
/// <see cref="ScanVariant"/> only changes how each selective scan is written.
/// </summary>
public static class MFuserGraphWriter
{
    public static GraphBuilder Write(MFuserConfig cfg, IWeightSource weights, ScanVariant variant, bool includeLogits = true,
        IInitializerStore? store = null, Action<string>? progress = null)
    {
        cfg.Validate();
        progress ??= _ => { };
        var g = new GraphBuilder($"mfuser-{cfg.Name}", store);
        var m = new ModuleWriter(g, weights);

        var x = ImagePreprocessing.Emit(g, cfg.ImageHeight, cfg.ImageWidth,
            cfg.PixelMean.Select(v => (float)v).ToArray(), cfg.PixelStd.Select(v => (float)v).ToArray(), cfg.InputAlignment);
        var backbone = new BackboneWriter(m, cfg, variant, progress).Write(x);

        progress("context decoder");
        long k = cfg.NumClasses, e = cfg.EmbedDim;
        var textInit = new WeightInit.Normal(1);
        var t0 = g.Reshape(m.Param("text_embeddings", [1, k, e], textInit), k, e);  // learned or precomputed T0
        var diff = ContextDecoderWriter.Write(m, cfg, variant, m.ReadValues("text_embeddings", [1, k, e], textInit),
            backbone.ClipTokens, cfg.TokensPerStream);
        var text = g.Add(t0, g.Mul(m.Param("gamma", [e], new WeightInit.Normal(1)), diff));   // T = T0 + γ ⊙ diff

        var scores = new DecodeHeadWriter(m, cfg, progress).Write(backbone.Pyramid, backbone.PyramidSizes, text);
        var embedding = g.Slice(backbone.ClipTokens, 0, 0, 1);                                 // global token (1, E)
        var (h0, w0) = backbone.PyramidSizes[0];
        SegmentationOutputs.Emit(g, scores, cfg.NumClasses, (int)h0, (int)w0, embedding, cfg.EmbedDim,
            cfg.ImageHeight, cfg.ImageWidth, includeLogits, ScoreKind.MaskScores);
        progress($"graph complete: {g.NodeCount} nodes");
        return g;
    }
}
