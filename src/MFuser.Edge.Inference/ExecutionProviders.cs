using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference;

/// <summary>One try to start an execution provider and what happened.</summary>
public sealed record ProviderAttempt(string Provider, bool Succeeded, string Detail);

/// <summary>Maps configured provider names (tensorrt, cuda, cpu) to ONNX Runtime and appends them to session options.
/// TensorRT and CUDA cannot be exercised on this project's CPU-only machines: their code paths are exercised only
/// for their failure (the CPU native package has no CUDA/TensorRT entry points and throws
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

    /// <summary>Appends <paramref name="provider"/> (CPU needs nothing: it is always the fallback).</summary>
    /// <param name="engineCacheDir">Where TensorRT persists engines and its timing cache.</param>
    public static void Append(SessionOptions options, string provider, string engineCacheDir)
    {
        switch (provider)
        {
            case "tensorrt":
                Directory.CreateDirectory(engineCacheDir);
                using (var trt = new OrtTensorRTProviderOptions())
                {
                    trt.UpdateOptions(new Dictionary<string, string>
                    {
                        ["device_id"] = "0",
                        ["trt_engine_cache_enable"] = "1",
                        ["trt_engine_cache_path"] = engineCacheDir,
                        ["trt_timing_cache_enable"] = "1",
                        ["trt_timing_cache_path"] = engineCacheDir,
                    });
                    options.AppendExecutionProvider_Tensorrt(trt);
                }
                break;
            case "cuda":
                options.AppendExecutionProvider_CUDA(0);
                break;
            case "cpu":
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, "unknown execution provider");
        }
    }
}
