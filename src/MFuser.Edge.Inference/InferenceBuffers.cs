using System.Runtime.InteropServices;
using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference;

/// <summary>One set of model input and output buffers, allocated once and bound to a session through an ONNX Runtime
/// I/O binding (a run then passes no name or value lists: Run(names, values) marshals them on every call, ~256 B of
/// garbage per frame). Made by <see cref="SegmentationSession.CreateBuffers"/>.</summary>
public sealed class InferenceBuffers : IDisposable
{
    private readonly byte[] _input;
    private readonly GCHandle _inputPin;
    private readonly byte[] _labels;
    private readonly byte[] _confidence;
    private readonly float[] _embedding;
    private readonly OrtValue[] _values;

    internal InferenceBuffers(InferenceSession session, int height, int width, int embeddingDim)
    {
        _input = GC.AllocateArray<byte>(height * width * 3, pinned: true);
        _inputPin = GCHandle.Alloc(_input, GCHandleType.Pinned);
        _labels = new byte[height * width];
        _confidence = new byte[height * width];
        _embedding = new float[embeddingDim];
        _values =
        [
            OrtValue.CreateTensorValueFromMemory(_input, [1, height, width, 3]),
            OrtValue.CreateTensorValueFromMemory(_labels, [1, height, width]),
            OrtValue.CreateTensorValueFromMemory(_confidence, [1, height, width]),
            OrtValue.CreateTensorValueFromMemory(_embedding, [1, embeddingDim]),
        ];
        Binding = session.CreateIoBinding();
        Binding.BindInput(ModelIo.Image, _values[0]);
        for (var i = 0; i < ModelManifest.RequiredOutputs.Count; i++)
            Binding.BindOutput(ModelManifest.RequiredOutputs[i], _values[i + 1]);
    }

    internal OrtIoBinding Binding { get; }

    /// <summary>The model input, BGR interleaved, height rows of width·3 bytes.</summary>
    public Span<byte> Input => _input;

    /// <summary>Address of <see cref="Input"/> (pinned for the buffers' lifetime), for writing frames with OpenCV.</summary>
    public IntPtr InputPointer => _inputPin.AddrOfPinnedObject();

    /// <summary>Class id per pixel after the last run on these buffers.</summary>
    public ReadOnlySpan<byte> Labels => _labels;

    /// <summary>round(255 · max softmax) per pixel after the last run.</summary>
    public ReadOnlySpan<byte> Confidence => _confidence;

    /// <summary>Pooled image features after the last run.</summary>
    public ReadOnlySpan<float> Embedding => _embedding;

    public void Dispose()
    {
        Binding.Dispose();
        foreach (var v in _values)
            v.Dispose();
        if (_inputPin.IsAllocated)
            _inputPin.Free();
    }
}
