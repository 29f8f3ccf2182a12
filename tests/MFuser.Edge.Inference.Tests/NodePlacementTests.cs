using System.Text;
using MFuser.Edge.Inference;
using MFuser.TestSupport;
using MFuser.Onnx.Graph;
using MFuser.Onnx.Proto;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MFuser.Edge.Inference.Tests;

/// <summary>The node-placement report, from ONNX Runtime's profiling trace of real CPU sessions: the committed fixture
/// package, an unoptimised session whose nodes are exactly the graph's, and a graph with the custom SelectiveScan op
/// of libmfuser_ops.so. TensorRT/CUDA traces cannot be produced here; their event shape is covered by a hand-written
/// trace in ORT's format.</summary>
public sealed class NodePlacementTests
{
    /// <summary>Traces left by this process: in the temporary folder under the daemon's prefix, or under ORT's default
    /// prefix in the working directory (where they would land if the prefix were not applied).</summary>
    private static string[] PlacementTraces() =>
        Directory.EnumerateFiles(Path.GetTempPath(), $"mfuser-edge-placement-{Environment.ProcessId}-*")
            .Concat(Directory.EnumerateFiles(Environment.CurrentDirectory, "onnxruntime_profile_*")).ToArray();

    [Fact]
    public void Warm_up_of_the_fixture_package_reports_its_nodes_on_the_cpu_and_leaves_no_trace_file()
    {
        var settings = SessionSettings.CpuOnly with { Providers = ["tensorrt", "cuda", "cpu"], ReportPlacement = true };
        using var session = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage), settings);
        Assert.Null(session.Placement);
        session.WarmUp(2);

        var placement = Assert.IsType<NodePlacement>(session.Placement);
        var cpu = Assert.Single(placement.Providers);
        Assert.Equal("cpu", cpu.Key);
        Assert.Equal(placement.Total, cpu.Value.Count);
        // ArgMax, Softmax and Gather are in the graph and survive ORT's optimisations unfused.
        Assert.Equal((1, 1, 1), (cpu.Value.OpTypes["ArgMax"], cpu.Value.OpTypes["Softmax"], cpu.Value.OpTypes["Gather"]));
        Assert.Equal(cpu.Value.Count, cpu.Value.OpTypes.Values.Sum());
        Assert.Equal(new Dictionary<string, int> { ["cpu"] = cpu.Value.Count }, placement.NodeCounts);
        Assert.Matches(@"^cpu: \d+ nodes \(ArgMax 1, ", Assert.Single(placement.Lines()));
        Assert.Empty(PlacementTraces());

        // Placement is measured once; later warm-ups and runs are not profiled.
        session.WarmUp(1);
        Assert.Same(placement, session.Placement);
    }

    [Fact]
    public void Sessions_without_the_report_are_not_profiled_and_unwarmed_ones_clean_up_on_dispose()
    {
        using (var plain = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage), SessionSettings.CpuOnly))
        {
            plain.WarmUp(1);
            Assert.Null(plain.Placement);
        }
        var profiled = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage),
            SessionSettings.CpuOnly with { ReportPlacement = true });
        profiled.Dispose();
        Assert.Empty(PlacementTraces());
    }

    [Fact]
    public void Every_node_of_an_unoptimised_session_is_counted_once_with_its_operator()
    {
        var onnx = ColourRuleModel.Default.ToOnnx();
        var graph = ModelProto.Parser.ParseFrom(onnx).Graph;
        var placement = ProfiledRun(onnx, null, s =>
        {
            var image = new DenseTensor<byte>([1, 192, 320, 3]);
            return [NamedOnnxValue.CreateFromTensor("image", image)];
        }, runs: 3);

        var cpu = Assert.Single(placement.Providers).Value;
        Assert.Equal(graph.Node.Count, cpu.Count);
        Assert.Equal(graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count()), cpu.OpTypes);
    }

    [Fact]
    public void A_custom_SelectiveScan_node_is_reported_on_the_provider_that_ran_it()
    {
        var library = Path.Combine(RepoPaths.Root, "native", "selective_scan", "build", "libmfuser_ops.so");
        Assert.True(File.Exists(library), $"{library} missing: build it with ./build.sh native");
        const int d = 4, l = 6, n = 2;
        var placement = ProfiledRun(ScanGraph(d, l, n), library, _ =>
        [
            NamedOnnxValue.CreateFromTensor("u", Filled([1, d, l], 0.5f)),
            NamedOnnxValue.CreateFromTensor("delta", Filled([1, d, l], 0.1f)),
            NamedOnnxValue.CreateFromTensor("B", Filled([1, 1, n, l], 1f)),
            NamedOnnxValue.CreateFromTensor("C", Filled([1, 1, n, l], 1f)),
        ]);
        var cpu = Assert.Single(placement.Providers);
        Assert.Equal("cpu", cpu.Key);
        Assert.Equal(new Dictionary<string, int> { ["Add"] = 1, ["SelectiveScan"] = 1 }, cpu.Value.OpTypes);
    }

    [Fact]
    public void TensorRT_and_CUDA_events_in_ORT_trace_format_are_summarised_per_provider()
    {
        // The shape of ORT's profiler events (onnxruntime/core/common/profiler.cc): a TensorRT engine is one fused node;
        // memcpy nodes run on CUDA; fence events carry no provider and are not nodes.
        const string trace = """
        [
          {"cat":"Session","pid":1,"tid":1,"dur":900,"ts":1,"ph":"X","name":"model_loading_array","args":{}},
          {"cat":"Node","pid":1,"tid":1,"dur":0,"ts":2,"ph":"X","name":"TensorrtExecutionProvider_TRTKernel_graph_main_1_0_0_fence_before","args":{"op_name":"TRTKernel_graph_main_1_0"}},
          {"cat":"Node","pid":1,"tid":1,"dur":410,"ts":3,"ph":"X","name":"TensorrtExecutionProvider_TRTKernel_graph_main_1_0_0_kernel_time","args":{"op_name":"TRTKernel_graph_main_1_0","provider":"TensorrtExecutionProvider"}},
          {"cat":"Node","pid":1,"tid":1,"dur":12,"ts":4,"ph":"X","name":"Memcpy_token_1_kernel_time","args":{"op_name":"MemcpyFromHost","provider":"CUDAExecutionProvider"}},
          {"cat":"Node","pid":1,"tid":1,"dur":11,"ts":5,"ph":"X","name":"Memcpy_token_2_kernel_time","args":{"op_name":"MemcpyToHost","provider":"CUDAExecutionProvider"}},
          {"cat":"Node","pid":1,"tid":1,"dur":30,"ts":6,"ph":"X","name":"argmax_kernel_time","args":{"op_name":"ArgMax","provider":"CPUExecutionProvider"}},
          {"cat":"Node","pid":1,"tid":1,"dur":20,"ts":7,"ph":"X","name":"argmax_kernel_time","args":{"op_name":"ArgMax","provider":"CPUExecutionProvider"}},
          {"cat":"Node","pid":1,"tid":1,"dur":5,"ts":8,"ph":"X","name":"dla_node_kernel_time","args":{"op_name":"Conv","provider":"SomeOtherExecutionProvider"}}
        ]
        """;
        var placement = NodePlacement.FromProfile(new MemoryStream(Encoding.UTF8.GetBytes(trace)));
        Assert.Equal(new Dictionary<string, int> { ["tensorrt"] = 1, ["cuda"] = 2, ["cpu"] = 1, ["SomeOtherExecutionProvider"] = 1 },
            placement.NodeCounts);
        Assert.Equal(new Dictionary<string, int> { ["MemcpyFromHost"] = 1, ["MemcpyToHost"] = 1 }, placement.Providers["cuda"].OpTypes);
        Assert.Contains("cpu: 1 node (ArgMax 1)", placement.Lines());
        Assert.Throws<System.Text.Json.JsonException>(() => NodePlacement.FromProfile(new MemoryStream("{}"u8.ToArray())));
    }

    private static NodePlacement ProfiledRun(byte[] onnx, string? customOps, Func<InferenceSession, NamedOnnxValue[]> inputs, int runs = 1)
    {
        var prefix = Path.Combine(Path.GetTempPath(), $"mfuser-edge-test-trace-{Guid.NewGuid():N}");
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL, ProfileOutputPathPrefix = prefix,
            EnableProfiling = true };
        if (customOps is not null)
            options.RegisterCustomOpLibrary(customOps);
        using var session = new InferenceSession(onnx, options);
        for (var i = 0; i < runs; i++)
            using (session.Run(inputs(session))) { }
        var trace = session.EndProfiling();
        try
        {
            return NodePlacement.FromProfile(trace);
        }
        finally
        {
            File.Delete(trace);
        }
    }

    private static DenseTensor<float> Filled(int[] dims, float value)
    {
        var t = new DenseTensor<float>(dims);
        t.Fill(value);
        return t;
    }

    /// <summary>y = SelectiveScan(u, delta, A, B, C) + u, the scan in domain com.mfuser (docs/selective-scan.md §1).</summary>
    private static byte[] ScanGraph(int d, int l, int n)
    {
        var g = new GraphBuilder("scan_placement");
        g.UseOpset("com.mfuser", 1);
        var u = g.Input("u", ElementType.Float, 1, d, l);
        var delta = g.Input("delta", ElementType.Float, 1, d, l);
        var b = g.Input("B", ElementType.Float, 1, 1, n, l);
        var c = g.Input("C", ElementType.Float, 1, 1, n, l);
        var a = g.Initializer<float>("A", Enumerable.Repeat(-1f, d * n).ToArray(), d, n);
        var y = g.Node("SelectiveScan", [u, delta, a, b, c], domain: "com.mfuser");
        g.Output(g.Node("Add", [y, u], name: "out"), "out", 1, d, l);
        return ModelFile.ToBytes(g.ToModel());
    }
}
