using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntime;

namespace MFuser.Edge.Inference;

/// <summary>Turns ONNX Runtime's telemetry off for this process. Since 1.2x the Linux build carries Microsoft's 1DS
/// telemetry: on first use it writes a device id and an event store under <c>~/.cache/Microsoft/DeveloperTools/.onnxruntime</c>
/// and resolves its collector host. <see cref="OrtEnv.DisableTelemetryEvents"/> alone does not stop that (measured with
/// 1.31.1); only <c>ORT_DISABLE_TELEMETRY=1</c> in the native environment before the ORT environment is created does,
/// so this sets it with libc's <c>setenv</c> (.NET's own setter does not reach native code) and then calls the API too
/// (docs/deploy.md, Privacy).</summary>
public static partial class OrtTelemetry
{
    public const string Variable = "ORT_DISABLE_TELEMETRY";

    private static int _environmentSet, _apiCalled;

    /// <summary>Sets <see cref="Variable"/> in the native environment. Call it first thing in Main, before another thread
    /// can read the environment and before ONNX Runtime is loaded; it does not load ONNX Runtime itself.</summary>
    public static void DisableInEnvironment()
    {
        if (Interlocked.Exchange(ref _environmentSet, 1) == 1)
            return;
        if (!OperatingSystem.IsWindows())
            _ = SetEnv(Variable, "1", 1);
        Environment.SetEnvironmentVariable(Variable, "1");
    }

    /// <summary><see cref="DisableInEnvironment"/> (a no-op when Main already did it) plus the API call; runs before the
    /// first session is created.</summary>
    public static void Disable()
    {
        DisableInEnvironment();
        if (Interlocked.Exchange(ref _apiCalled, 1) == 0)
            OrtEnv.Instance().DisableTelemetryEvents();
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetEnv(string name, string value, int overwrite);
}
