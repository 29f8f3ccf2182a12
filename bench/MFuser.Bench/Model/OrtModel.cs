using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Bench.Model;

/// <summary>One ORT session on one fixed input frame.</summary>
internal sealed class OrtModel : IDisposable
{
    private readonly InferenceSession _session;
    private readonly OrtValue _image;
    private readonly RunOptions _run = new();
    private readonly string[] _inputNames = [ModelIo.Image];
    private readonly string[] _outputNames;

    public OrtModel(string path, int threads, bool customOps, byte[] bgr, int h, int w)
    {
        _session = OrtSessions.Create(path, threads, customOps);
        _image = OrtValue.CreateTensorValueFromMemory(bgr, [1, h, w, 3]);
        _outputNames = _session.OutputNames.ToArray();
    }

    public void Run()
    {
        using var outputs = _session.Run(_run, _inputNames, [_image], _outputNames);
    }

    public long[] Labels()
    {
        using var outputs = _session.Run(_run, _inputNames, [_image], [ModelIo.Labels]);
        return ToInt64(outputs[0]);
    }

    public double Agreement(long[] other)
    {
        var mine = Labels();
        return (double)mine.Zip(other).Count(p => p.First == p.Second) / mine.Length;
    }

    private static long[] ToInt64(OrtValue v) => v.GetTensorTypeAndShape().ElementDataType switch
    {
        TensorElementType.Int64 => v.GetTensorDataAsSpan<long>().ToArray(),
        TensorElementType.Int32 => v.GetTensorDataAsSpan<int>().ToArray().Select(x => (long)x).ToArray(),
        TensorElementType.UInt8 => v.GetTensorDataAsSpan<byte>().ToArray().Select(x => (long)x).ToArray(),
        var t => throw new InvalidOperationException($"labels output has element type {t}; expected an integer type"),
    };

    public void Dispose()
    {
        _image.Dispose();
        _run.Dispose();
        _session.Dispose();
    }
}
