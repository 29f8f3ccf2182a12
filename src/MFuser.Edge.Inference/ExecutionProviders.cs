using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference;

/// <summary>One try to start an execution provider and what happened.</summary>
public sealed record ProviderAttempt(string Provider, bool Succeeded, string Detail);

/// <summary>Maps configured provider names (tensorrt, cuda, cpu) to ONNX Runtime and appends them to session options.
/// TensorRT and CUDA cannot be exercised on this project's CPU-only machines: their code paths are exercised only
/// for their failure (the CPU native package does not list them, or has no CUDA/TensorRT entry points and throws
/// <see cref="EntryPointNotFoundException"/>), which is reported as a failed attempt.</summary>
internal static class ExecutionProviders
{
    public static string OrtName(string provider) => provider switch
    {
        "tensorrt" => "TensorrtExecutionProvider",
        "cuda" => "CUDAExecutionProvider",
        "cpu" => "CPUExecutionProvider",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown execution provider"),
    };

    /// <summary>The configured name of an ONNX Runtime provider name; unknown names are kept as they are.</summary>
    public static string ShortName(string ortName) => ortName switch
    {
        "TensorrtExecutionProvider" => "tensorrt",
        "CUDAExecutionProvider" => "cuda",
        "CPUExecutionProvider" => "cpu",
        _ => ortName,
    };

    /// <summary>Appends the CUDA provider (CPU needs nothing: it is always the fallback).</summary>
    public static void Append(SessionOptions options, string provider)
    {
        switch (provider)
        {
            case "cuda":
                options.AppendExecutionProvider_CUDA(0);
                break;
            case "cpu":
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "use AppendTensorRt for tensorrt");
        }
    }

    /// <summary>Appends the TensorRT provider with <paramref name="providerOptions"/> (see <see cref="TensorRtProviderOptions.Build"/>).</summary>
    public static void AppendTensorRt(SessionOptions options, IReadOnlyDictionary<string, string> providerOptions)
    {
        using var trt = new OrtTensorRTProviderOptions();
        trt.UpdateOptions(providerOptions.ToDictionary());
        options.AppendExecutionProvider_Tensorrt(trt);
    }
}
