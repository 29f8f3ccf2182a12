using MFuser.Onnx.Graph;
using MFuser.Onnx.Scan;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Bench.Scan;

/// <summary>A model whose graph is one selective scan, written by the exporter's own <see cref="SelectiveScan.Emit"/>
/// (the fused custom node or the portable standard-op decomposition), bound to a problem's arrays with a
/// preallocated output so that a timed <see cref="Run"/> is the scan and ORT's dispatch, nothing else.</summary>
public sealed class ScanModel : IDisposable
{
    private static readonly string[] InputNames = ["u", "delta", "A", "B", "C", "D", "z", "delta_bias"];
    private static readonly string[] OutputNames = ["y"];
    private readonly InferenceSession _session;
    private readonly OrtValue[] _inputs;
    private readonly OrtValue[] _outputs;
    private readonly RunOptions _run = new();

    public float[] Y { get; }

    public ScanModel(ScanProblem p, ScanVariant variant, int threads)
    {
        var (d, n, l) = (p.Shape.D, p.Shape.N, p.Shape.L);
        _session = OrtSessions.Create(Build(d, n, l, variant), threads, customOps: variant == ScanVariant.Fused);
        Y = new float[p.Shape.TokenChannels];
        _inputs =
        [
            Tensor(p.U, 1, d, l), Tensor(p.Delta, 1, d, l), Tensor(p.A, d, n), Tensor(p.B, 1, 1, n, l), Tensor(p.C, 1, 1, n, l),
            Tensor(p.Skip, d), Tensor(p.Z, 1, d, l), Tensor(p.DeltaBias, d),
        ];
        _outputs = [Tensor(Y, 1, d, l)];
    }

    public void Run() => _session.Run(_run, InputNames, _inputs, OutputNames, _outputs);

    /// <summary>The ONNX bytes of a one-scan graph of the given variant.</summary>
    public static byte[] Build(int d, int n, int l, ScanVariant variant)
    {
        var g = new GraphBuilder($"scan-{variant}");
        var x = new Dictionary<string, Value>
        {
            ["u"] = g.Input("u", ElementType.Float, 1, d, l), ["delta"] = g.Input("delta", ElementType.Float, 1, d, l),
            ["A"] = g.Input("A", ElementType.Float, d, n), ["B"] = g.Input("B", ElementType.Float, 1, 1, n, l),
            ["C"] = g.Input("C", ElementType.Float, 1, 1, n, l), ["D"] = g.Input("D", ElementType.Float, d),
            ["z"] = g.Input("z", ElementType.Float, 1, d, l), ["delta_bias"] = g.Input("delta_bias", ElementType.Float, d),
        };
        var outs = SelectiveScan.Emit(g, variant,
            new ScanInputs(x["u"], x["delta"], x["A"], x["B"], x["C"], D: x["D"], Z: x["z"], DeltaBias: x["delta_bias"]),
            new Onnx.Scan.ScanShape(1, d, l, n), deltaSoftplus: true);
        g.Output(outs.Y, "y", 1, d, l);
        return ModelFile.ToBytes(g.ToModel());
    }

    private static OrtValue Tensor(float[] data, params long[] shape) => OrtValue.CreateTensorValueFromMemory(data, shape);

    public void Dispose()
    {
        foreach (var v in _inputs.Concat(_outputs)) v.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
