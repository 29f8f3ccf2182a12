using MFuser.Onnx.Contract;
using MFuser.Onnx.Graph;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Onnx.Scan;

/// <summary>Static shape of one selective-scan call: u, delta (B, D, L); A (D, N); B, C (B, G, N, L).</summary>
public readonly record struct ScanShape(int Batch, int Channels, int Length, int State, int Groups = 1)
{
    public void Validate()
    {
        if (Batch < 1 || Channels < 1 || Length < 1 || State < 1 || Groups < 1)
            throw new ArgumentException($"scan shape {this}: every dimension must be ≥ 1");
        if (Channels % Groups != 0)
            throw new ArgumentException($"scan shape {this}: channels ({Channels}) must be a multiple of groups ({Groups})");
    }
}

/// <summary>
/// Inputs of <c>com.mfuser::SelectiveScan</c> (docs/selective-scan.md §1). u, delta, B, C, z share one I/O type
/// (float32 or float16); A, D, delta_bias and initial_state are float32. Optional inputs are null when absent.
/// </summary>
public sealed record ScanInputs(
    Value U, Value Delta, Value A, Value B, Value C,
    Value? D = null, Value? Z = null, Value? DeltaBias = null, Value? InitialState = null);

/// <summary>Outputs: y (B, D, L) in the I/O type; last_state (B, D, N) float32 when requested.</summary>
public readonly record struct ScanOutputs(Value Y, Value? LastState);

/// <summary>
/// The one emission point of the selective scan: the same inputs become the fused custom node, its TensorRT-plugin
/// rewrite or the portable standard-op decomposition, so the three model variants cannot drift apart.
/// </summary>
public static class SelectiveScan
{
    /// <summary>Bits of the TensorRT node's <c>present_mask</c> attribute, one per optional input.</summary>
    [Flags]
    public enum PresentInputs
    {
        None = 0,
        D = 1,
        Z = 2,
        DeltaBias = 4,
        InitialState = 8,
    }

    public static ScanOutputs Emit(GraphBuilder g, ScanVariant variant, ScanInputs inputs, ScanShape shape,
        bool deltaSoftplus = true, bool wantLastState = false)
    {
        shape.Validate();
        return variant switch
        {
            ScanVariant.Fused => EmitFused(g, inputs, shape, deltaSoftplus, wantLastState),
            ScanVariant.TensorRt => EmitTensorRt(g, inputs, shape, deltaSoftplus),
            ScanVariant.Portable => PortableScan.Emit(g, inputs, shape, deltaSoftplus, wantLastState),
            _ => throw new ArgumentOutOfRangeException(nameof(variant), variant, null),
        };
    }

    private static ScanOutputs EmitFused(GraphBuilder g, ScanInputs i, ScanShape s, bool deltaSoftplus, bool wantLastState)
    {
        g.UseOpset(ModelIo.ScanDomain, ModelIo.ScanDomainVersion);
        List<Value> ins = [i.U, i.Delta, i.A, i.B, i.C, i.D ?? Value.Absent, i.Z ?? Value.Absent,
            i.DeltaBias ?? Value.Absent, i.InitialState ?? Value.Absent];
        while (ins[^1].IsAbsent) ins.RemoveAt(ins.Count - 1);  // trailing optional inputs may be omitted
        var outs = g.NodeN(ModelIo.ScanOpType, ins, wantLastState ? 2 : 1, i.U.Type, ModelIo.ScanDomain, null,
            Attr.Int("delta_softplus", deltaSoftplus ? 1 : 0));
        return Annotated(g, outs, s);
    }

    /// <summary>
    /// TensorRT plugins see a dense input list, so absent optional inputs are dropped and <c>present_mask</c> says
    /// which remain (bit0 D, bit1 z, bit2 delta_bias, bit3 initial_state). Both outputs always exist; shapes go to
    /// value_info because TensorRT needs them around plugin nodes. Not runnable here (no TensorRT on this machine).
    /// </summary>
    private static ScanOutputs EmitTensorRt(GraphBuilder g, ScanInputs i, ScanShape s, bool deltaSoftplus)
    {
        g.UseOpset(ModelIo.TrtPluginDomain, 1);
        List<Value> ins = [i.U, i.Delta, i.A, i.B, i.C];
        var mask = PresentInputs.None;
        void Optional(Value? v, PresentInputs bit)
        {
            if (v is not { } value) return;
            ins.Add(value);
            mask |= bit;
        }
        Optional(i.D, PresentInputs.D);
        Optional(i.Z, PresentInputs.Z);
        Optional(i.DeltaBias, PresentInputs.DeltaBias);
        Optional(i.InitialState, PresentInputs.InitialState);
        var outs = g.NodeN(ModelIo.ScanOpType, ins, 2, i.U.Type, ModelIo.TrtPluginDomain, null,
            Attr.Int("delta_softplus", deltaSoftplus ? 1 : 0),
            Attr.Int("present_mask", (long)mask),
            Attr.String("plugin_namespace", ModelIo.TrtPluginNamespace),
            Attr.String("plugin_version", ModelIo.TrtPluginVersion));
        outs[1] = outs[1] with { Type = ElementType.Float };
        return Annotated(g, outs, s);
    }

    private static ScanOutputs Annotated(GraphBuilder g, Value[] outs, ScanShape s)
    {
        g.Annotate(outs[0], s.Batch, s.Channels, s.Length);
        if (outs.Length < 2) return new ScanOutputs(outs[0], null);
        var last = outs[1] with { Type = ElementType.Float };
        g.Annotate(last, s.Batch, s.Channels, s.State);
        return new ScanOutputs(outs[0], last);
    }
}
