using System.Diagnostics;
using System.Runtime.InteropServices;
using MFuser.Edge.Core.Config;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Edge.Inference;

/// <summary>How to start a session: providers in order of preference, threads, custom-op library, TensorRT settings,
/// and whether to report the node placement.</summary>
/// <param name="Providers">Configured order, e.g. tensorrt, cuda, cpu.</param>
/// <param name="IntraOpThreads">0 lets ONNX Runtime choose.</param>
/// <param name="CustomOpLibrary">Explicit library path, or "" to look next to the executable.</param>
/// <param name="TensorRt">TensorRT provider options, engine and timing cache folders.</param>
/// <param name="ReportPlacement">Profile the session until the first <see cref="SegmentationSession.WarmUp"/> to learn
/// which provider runs which node (<see cref="SegmentationSession.Placement"/>).</param>
public sealed record SessionSettings(IReadOnlyList<string> Providers, int IntraOpThreads, string CustomOpLibrary, TensorRtConfig TensorRt,
    bool ReportPlacement = false)
{
    public static SessionSettings CpuOnly { get; } = new(["cpu"], 0, "", TensorRtConfig.Defaults);
}

/// <summary>No configured execution provider could run the model.</summary>
public sealed class ProviderUnavailableException(string message) : Exception(message);

/// <summary>An ONNX Runtime session of a checked model package. Write a BGR frame of <see cref="Width"/>×<see cref="Height"/>
/// into an <see cref="InferenceBuffers"/>' input, call <see cref="Run(InferenceBuffers)"/>, read its labels, confidence
/// and embedding. Not thread-safe: one inference thread owns it.</summary>
public sealed class SegmentationSession : IDisposable
{
    /// <summary>Exported by the custom-op library: <c>const char* MfuserOpsVersion(void)</c>, a semantic version whose
    /// major number must reach the manifest's <c>custom_op.min_version</c>.</summary>
    public const string VersionExport = "MfuserOpsVersion";

    private readonly InferenceSession _session;
    private readonly SessionOptions _options;
    private readonly RunOptions _runOptions = new();

    private readonly string? _profilePrefix;

    private SegmentationSession(PackageDirectory package, InferenceSession session, SessionOptions options, string provider,
        IReadOnlyList<ProviderAttempt> attempts, string? customOpLibrary, ModelVariant model, EngineCache? engineCache, string? profilePrefix)
    {
        Package = package;
        _session = session;
        _options = options;
        Provider = provider;
        Attempts = attempts;
        CustomOpLibrary = customOpLibrary;
        Model = model;
        EngineCache = engineCache;
        _profilePrefix = profilePrefix;
        Height = package.Manifest.Input.Height;
        Width = package.Manifest.Input.Width;
        Buffers = CreateBuffers();
    }

    public PackageDirectory Package { get; }

    /// <summary>The provider the session runs on (tensorrt, cuda or cpu): the first configured one that started.</summary>
    public string Provider { get; }

    /// <summary>Every provider tried, in order, with the reason of each failure.</summary>
    public IReadOnlyList<ProviderAttempt> Attempts { get; }

    /// <summary>Full path of the registered custom-op library, or null when the model needs none.</summary>
    public string? CustomOpLibrary { get; }

    /// <summary>The ONNX file the session was created from (the TensorRT variant on TensorRT, when the package has one).</summary>
    public ModelVariant Model { get; }

    /// <summary>The TensorRT engine cache in use; null on other providers.</summary>
    public EngineCache? EngineCache { get; }

    /// <summary>Which provider ran which nodes in the first <see cref="WarmUp"/>; null before it, or when
    /// <see cref="SessionSettings.ReportPlacement"/> was off.</summary>
    public NodePlacement? Placement { get; private set; }

    /// <summary>Why <see cref="Placement"/> stayed null although it was asked for (the trace could not be read), or null.</summary>
    public string? PlacementProblem { get; private set; }

    public int Height { get; }
    public int Width { get; }

    /// <summary>The session's own input and output buffers, for one-frame-at-a-time callers (warm-up, CLI tools).</summary>
    public InferenceBuffers Buffers { get; }

    /// <summary>Another set of input and output buffers bound to this session: the daemon runs frame n+1 into one set
    /// while its stage thread still reads frame n from the other. Owned by the caller.</summary>
    public InferenceBuffers CreateBuffers() => new(_session, Height, Width, Package.Manifest.EmbeddingDim);

    /// <summary>Runs the model on <see cref="Buffers"/>.</summary>
    public void Run() => Run(Buffers);

    /// <summary>Runs the model on <paramref name="buffers"/>' input; its outputs land in its preallocated buffers.
    /// ONNX Runtime's Run allocates nothing here: the buffers' I/O binding was made once.</summary>
    public void Run(InferenceBuffers buffers) => _session.RunWithBinding(_runOptions, buffers.Binding);

    /// <summary>Runs <paramref name="runs"/> inferences on a mid-grey frame and returns the duration of the last one
    /// (the first run of a session includes lazy initialisation; later ones show the steady state). The first warm-up
    /// of a session created with <see cref="SessionSettings.ReportPlacement"/> then ends profiling, fills
    /// <see cref="Placement"/> from the trace and deletes the trace file.</summary>
    public TimeSpan WarmUp(int runs)
    {
        Buffers.Input.Fill(128);
        var last = TimeSpan.Zero;
        for (var i = 0; i < Math.Max(1, runs); i++)
        {
            var t = Stopwatch.GetTimestamp();
            Run();
            last = Stopwatch.GetElapsedTime(t);
        }
        if (_profilePrefix is not null && Placement is null && PlacementProblem is null)
        {
            try
            {
                Placement = NodePlacement.FromProfile(_session.EndProfiling());
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // TMPDIR missing or unwritable: ONNX Runtime wrote no trace. The report is a diagnostic, not a reason to stop.
                PlacementProblem = $"no node placement report: the profiling trace could not be read ({e.Message})";
            }
            finally
            {
                ProfileTrace.Delete(_profilePrefix);
            }
        }
        return last;
    }

    /// <summary>Creates the session on the first configured provider that starts, then checks its inputs and outputs
    /// against the contract and the manifest.</summary>
    /// <exception cref="ModelPackageException">The ONNX file, custom-op library or session I/O failed a check.</exception>
    /// <exception cref="ProviderUnavailableException">No configured provider could start.</exception>
    public static SegmentationSession Create(PackageDirectory package, SessionSettings settings)
    {
        OrtTelemetry.Disable(); // before the first ONNX Runtime call of a host that did not set the variable in Main
        var customOp = ResolveCustomOpLibrary(package.Manifest, settings.CustomOpLibrary);
        var attempts = new List<ProviderAttempt>();
        var available = OrtEnv.Instance().GetAvailableProviders();
        for (var i = 0; i < settings.Providers.Count; i++)
        {
            var provider = settings.Providers[i];
            var ortName = ExecutionProviders.OrtName(provider);
            if (!available.Contains(ortName))
            {
                attempts.Add(new ProviderAttempt(provider, false,
                    $"{ortName} is not in this ONNX Runtime build (available: {string.Join(", ", available)})"));
                continue;
            }
            var model = ModelVariant.For(package, provider);
            var options = new SessionOptions { IntraOpNumThreads = settings.IntraOpThreads,
                GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL };
            // The model is created from bytes, so ONNX Runtime needs to be told where external weights live.
            options.AddSessionConfigEntry("session.model_external_initializers_file_folder_path", package.Directory);
            var profilePrefix = settings.ReportPlacement ? ProfileTrace.NewPrefix() : null;
            try
            {
                if (customOp is not null)
                    RegisterCustomOps(options, customOp);
                if (profilePrefix is not null)
                {
                    // The prefix is passed to ONNX Runtime when profiling is enabled, so it must be set first.
                    options.ProfileOutputPathPrefix = profilePrefix;
                    options.EnableProfiling = true;
                }
                EngineCache? engineCache = null;
                try
                {
                    if (provider == "tensorrt")
                    {
                        engineCache = Inference.EngineCache.Prepare(model, settings.TensorRt, out var trtOptions);
                        ExecutionProviders.AppendTensorRt(options, trtOptions);
                        // Nodes TensorRT does not take run on CUDA rather than the CPU when CUDA is configured after it.
                        if (settings.Providers.Skip(i + 1).Contains("cuda") && available.Contains(ExecutionProviders.OrtName("cuda")))
                            ExecutionProviders.Append(options, "cuda");
                    }
                    else
                        ExecutionProviders.Append(options, provider);
                }
                catch (Exception e) when (e is not ModelPackageException)
                {
                    attempts.Add(new ProviderAttempt(provider, false, $"{e.GetType().Name}: {FirstLine(e.Message)}"));
                    Discard(options, profilePrefix);
                    continue;
                }
                InferenceSession session;
                try
                {
                    session = new InferenceSession(model.Bytes, options);
                }
                catch (OnnxRuntimeException e) when (provider != "cpu")
                {
                    attempts.Add(new ProviderAttempt(provider, false, $"session creation failed: {FirstLine(e.Message)}"));
                    Discard(options, profilePrefix);
                    continue;
                }
                catch (OnnxRuntimeException e)
                {
                    throw new ModelPackageException(Path.Combine(package.Directory, model.File), "ONNX Runtime load", "a model ONNX Runtime can load",
                        FirstLine(e.Message));
                }
                try
                {
                    SessionContract.Check(session, package);
                }
                catch
                {
                    session.Dispose();
                    throw;
                }
                attempts.Add(new ProviderAttempt(provider, true, engineCache is null ? ortName : $"{ortName}, engine cache {engineCache.Directory}"));
                return new SegmentationSession(package, session, options, provider, attempts, customOp, model, engineCache, profilePrefix);
            }
            catch
            {
                Discard(options, profilePrefix);
                throw;
            }
        }
        throw new ProviderUnavailableException("no configured execution provider could run the model: "
            + string.Join("; ", attempts.Select(a => $"{a.Provider}: {a.Detail}")));
    }

    /// <summary>Disposes the options of a failed attempt and deletes any trace ONNX Runtime wrote for it.</summary>
    private static void Discard(SessionOptions options, string? profilePrefix)
    {
        options.Dispose();
        if (profilePrefix is not null)
            ProfileTrace.Delete(profilePrefix);
    }

    private static string? ResolveCustomOpLibrary(ModelManifest manifest, string configured)
    {
        if (manifest.CustomOp is not { } req)
            return null;
        var path = configured.Length > 0 ? Path.GetFullPath(configured) : Path.Combine(AppContext.BaseDirectory, req.Library);
        if (!File.Exists(path))
            throw new ModelPackageException(path, "custom-op library",
                $"{req.Library} providing domain {req.Domain} version >= {req.MinVersion} (build it with ./build.sh native; set " +
                $"inference.custom_op_library or place it next to the executable)",
                "no such file");
        if (!NativeLibrary.TryLoad(path, out var handle))
            throw new ModelPackageException(path, "custom-op library", "a loadable shared library",
                "dlopen failed (wrong architecture or missing dependency; check with ldd)");
        try
        {
            if (!NativeLibrary.TryGetExport(handle, VersionExport, out var fn))
                throw new ModelPackageException(path, "custom-op library version", $"an export {VersionExport}() (libmfuser_ops >= {req.MinVersion})",
                    "no such export (not our library, or one older than 1.0)");
            string version;
            unsafe { version = Marshal.PtrToStringUTF8((nint)((delegate* unmanaged<byte*>)fn)()) ?? ""; }
            var major = version.Split('.')[0];
            if (!int.TryParse(major, out var majorVersion) || majorVersion < req.MinVersion)
                throw new ModelPackageException(path, "custom-op library version", $">= {req.MinVersion}", version);
        }
        finally
        {
            NativeLibrary.Free(handle);
        }
        return path;
    }

    private static void RegisterCustomOps(SessionOptions options, string library)
    {
        try
        {
            options.RegisterCustomOpLibrary(library);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelPackageException(library, "custom-op library registration", "a library exporting RegisterCustomOps", FirstLine(e.Message));
        }
    }

    private static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    public void Dispose()
    {
        Buffers.Dispose();
        _session.Dispose();
        _options.Dispose();
        _runOptions.Dispose();
        // A session still profiling writes its trace when disposed.
        if (_profilePrefix is not null)
            ProfileTrace.Delete(_profilePrefix);
    }
}
