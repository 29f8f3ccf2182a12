using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Tests;

/// <summary>Runs a model through a real ONNX Runtime CPU session and returns its outputs by name.</summary>
internal static class OrtRunner
{
    public static Dictionary<string, Tensor<T>> Run<T>(ModelProto model, params NamedOnnxValue[] inputs) =>
        Run<T>(ModelFile.ToBytes(model), null, inputs);

    public static Dictionary<string, Tensor<T>> Run<T>(byte[] modelBytes, string? customOpLibrary, params NamedOnnxValue[] inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1, GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
        if (customOpLibrary is not null) options.RegisterCustomOpLibrary(customOpLibrary);
        using var session = new InferenceSession(modelBytes, options);
        return Collect<T>(session, inputs);
    }

    public static Dictionary<string, Tensor<T>> Collect<T>(InferenceSession session, NamedOnnxValue[] inputs)
    {
        using var results = session.Run(inputs);
        return results.Where(r => r.Value is Tensor<T>).ToDictionary(r => r.Name, r => ((Tensor<T>)r.Value).Clone());
    }

    public static NamedOnnxValue Input<T>(string name, T[] data, params int[] dims) =>
        NamedOnnxValue.CreateFromTensor(name, new DenseTensor<T>(data, dims));
}
