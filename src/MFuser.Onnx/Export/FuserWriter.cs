using MFuser.Onnx.Architecture;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using MFuser.Onnx.Weights;

namespace MFuser.Onnx.Export;

/// <summary>
/// MVFuser (the Mamba mixer of research §2) and the attention-fusion baseline, mirroring
/// MFuser.Training.Model.MVFuser / AttentionFuser op for op. The selective scan is the one place where the graph
/// variants differ: it goes through <see cref="SelectiveScan.Emit"/> with the writer's <see cref="ScanVariant"/>.
/// </summary>
internal static class FuserWriter
{
    /// <summary>h (L, d_model) → (L, d_model), already multiplied by <c>scale</c> (dropout is inactive at inference).</summary>
    public static Value MVFuser(ModuleWriter m, ScanVariant variant, Value h, string prefix, long length, int dModel,
        int dState, int dConv, int expand, int dtRank)
    {
        var g = m.G;
        using var _ = g.Scope(prefix);
        long dInner = (long)expand * dModel, branch = dInner / 2;
        var xz = g.Unsqueeze(g.Transpose(m.Linear(h, $"{prefix}.in_proj", dModel, dInner, bias: false), 1, 0), 0);  // (1, d_inner, L)
        var parts = g.Split(xz, 1, branch, branch);
        Value DepthwiseConvSilu(Value v, string name)
        {
            var w = m.Param($"{prefix}.{name}.weight", [branch, 1, dConv], ModuleWriter.FanIn(dConv));
            return g.Silu(g.Conv(v, w, null, [dConv], [1], [dConv / 2, dConv / 2], group: branch));
        }
        var x = DepthwiseConvSilu(parts[0], "conv1d_x");                            // (1, branch, L)
        var z = DepthwiseConvSilu(parts[1], "conv1d_z");
        var tokensX = g.Transpose(g.Squeeze(x, 0), 1, 0);                             // (L, branch)
        var xdbl = m.Linear(tokensX, $"{prefix}.x_proj", branch, dtRank + 2L * dState, bias: false);
        var split = g.Split(xdbl, 1, dtRank, dState, dState);
        var dtBias = m.Param($"{prefix}.dt_proj.bias", [branch], new WeightInit.Normal(0.5));
        var dtWeight = m.Param($"{prefix}.dt_proj.weight", [branch, dtRank], ModuleWriter.FanIn(dtRank));
        var dt = g.Unsqueeze(g.Transpose(m.Linear(split[0], dtWeight, dtBias), 1, 0), 0);   // W r + b, (1, branch, L)
        Value GroupedStates(Value v) => g.Reshape(g.Transpose(v, 1, 0), 1, 1, dState, length);  // (1, G=1, N, L)
        var scan = SelectiveScan.Emit(g, variant,
            new ScanInputs(U: x, Delta: dt, A: StateMatrix(m, prefix, branch, dState), B: GroupedStates(split[1]), C: GroupedStates(split[2]),
                D: m.Param($"{prefix}.D", [branch], WeightInit.Ones), DeltaBias: dtBias),  // b_dt added again (official quirk)
            new ScanShape(1, (int)branch, (int)length, dState), deltaSoftplus: true);
        var y = g.Transpose(g.Squeeze(scan.Y, 0), 1, 0);                              // (L, branch)
        // gated RMSNorm, norm before gate: y · rsqrt(mean(y²) + 1e-5) · weight · SiLU(z'), z' = SiLU(conv z) already
        var rms = g.Reciprocal(g.Sqrt(g.Add(g.ReduceMean(g.Mul(y, y), [-1]), g.Scalar(1e-5f))));
        var normed = g.Mul(g.Mul(y, rms), m.Param($"{prefix}.norm.weight", [branch], new WeightInit.Constant(1, 0.05)));
        var gated = g.Mul(normed, g.Silu(g.Transpose(g.Squeeze(z, 0), 1, 0)));
        var output = m.Linear(gated, $"{prefix}.out_proj", branch, dModel, bias: false);
        return g.Mul(output, m.Param($"{prefix}.scale", [], new WeightInit.Constant(0.1)));
    }

    /// <summary>
    /// A = −exp(A_log) (d_inner/2, N), computed at export time into an initializer named <c>{prefix}.A</c>: it depends
    /// on weights only, so ONNX Runtime would fold it at load anyway, and OpenCV DNN's importer folds the Exp but then
    /// cannot build a Neg layer on the folded constant ("inputs.size()" assertion in getMemoryShapes).
    /// </summary>
    private static Value StateMatrix(ModuleWriter m, string prefix, long branch, int dState) =>
        m.G.LazyInitializer($"{prefix}.A", () =>
            m.ReadValues($"{prefix}.A_log", [branch, dState], new WeightInit.StateLog()).Select(v => (float)-Math.Exp(v)).ToArray(),
            branch, dState);

    /// <summary>The fusion module configured by <paramref name="fusion"/> at <paramref name="prefix"/>; s is (L, width).</summary>
    public static Value Fuse(ModuleWriter m, ScanVariant variant, FusionConfig fusion, Value s, string prefix, long length, int width)
    {
        if (fusion.Kind == FusionKind.Mamba)
            return MVFuser(m, variant, s, prefix, length, width, fusion.DState, fusion.DConv, fusion.Expand, fusion.DtRankFor(width));
        if (fusion.Kind != FusionKind.Attention)
            throw new ArgumentOutOfRangeException(nameof(fusion), fusion.Kind, "no fusion module for this kind");
        using var _ = m.G.Scope(prefix);
        var a = m.LayerNorm(s, $"{prefix}.norm", width, 1e-5f);
        var o = m.MmcvMha(a, a, a, prefix, length, length, width, fusion.AttentionHeads);
        return m.G.Mul(o, m.Param($"{prefix}.scale", [], new WeightInit.Constant(0.1)));
    }
}
