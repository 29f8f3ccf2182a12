using System.Text.Json;

namespace MFuser.Edge.Inference;

/// <summary>The graph nodes one execution provider ran, with their count per operator type.</summary>
public sealed record ProviderNodes(int Count, IReadOnlyDictionary<string, int> OpTypes);

/// <summary>Which execution provider ran which nodes, read from ONNX Runtime's profiling trace of the warm-up (the C#
/// API has no other per-node placement query). The trace has one <c>cat: "Node"</c> event per node run, whose
/// <c>args.provider</c> and <c>args.op_name</c> name the provider and the operator; each node is counted once however
/// many runs were traced. Nodes are those of the optimised graph that ONNX Runtime executes: fused nodes count once,
/// and a subgraph handed to TensorRT shows as one <c>TensorrtExecutionProvider_TRTKernel_…</c> node per engine (the
/// layers inside an engine are TensorRT's business and are not listed). Only CPU traces have been seen here.</summary>
public sealed class NodePlacement
{
    private NodePlacement(IReadOnlyDictionary<string, ProviderNodes> providers) => Providers = providers;

    /// <summary>Provider (tensorrt, cuda, cpu, or ONNX Runtime's name for any other) → its nodes.</summary>
    public IReadOnlyDictionary<string, ProviderNodes> Providers { get; }

    /// <summary>Provider → node count, the form of the <c>info</c> payload's <c>execution.node_placement</c>.</summary>
    public IReadOnlyDictionary<string, int> NodeCounts => Providers.ToDictionary(p => p.Key, p => p.Value.Count);

    /// <summary>Total nodes seen.</summary>
    public int Total => Providers.Values.Sum(p => p.Count);

    /// <summary>One line per provider, e.g. "cpu: 12 nodes (Add 3, Conv 2, ...)".</summary>
    public IEnumerable<string> Lines() => Providers.Select(p =>
        $"{p.Key}: {p.Value.Count} node{(p.Value.Count == 1 ? "" : "s")} ({string.Join(", ", p.Value.OpTypes.Select(o => $"{o.Key} {o.Value}"))})");

    /// <summary>Parses a profiling trace (a JSON array of Chrome trace events).</summary>
    /// <exception cref="JsonException">Not a JSON array of events.</exception>
    public static NodePlacement FromProfile(Stream trace)
    {
        using var doc = JsonDocument.Parse(trace);
        if (doc.RootElement.ValueKind != JsonValueKind.Array)
            throw new JsonException($"expected a JSON array of trace events, found {doc.RootElement.ValueKind}");
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var byProvider = new SortedDictionary<string, SortedDictionary<string, int>>(StringComparer.Ordinal);
        foreach (var e in doc.RootElement.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("cat", out var cat) || cat.ValueKind != JsonValueKind.String || cat.GetString() != "Node"
                || !e.TryGetProperty("name", out var nameElement) || nameElement.ValueKind != JsonValueKind.String
                || !e.TryGetProperty("args", out var args) || args.ValueKind != JsonValueKind.Object
                || !args.TryGetProperty("provider", out var provider) || provider.ValueKind != JsonValueKind.String
                || !args.TryGetProperty("op_name", out var op) || op.ValueKind != JsonValueKind.String)
                continue;
            // Each node run gives <node>_fence_before, <node>_kernel_time, <node>_fence_after; the kernel event carries the provider.
            var name = nameElement.GetString()!;
            if (!name.EndsWith(KernelSuffix, StringComparison.Ordinal) || !seen.Add(name))
                continue;
            var key = ExecutionProviders.ShortName(provider.GetString()!);
            if (!byProvider.TryGetValue(key, out var ops))
                byProvider[key] = ops = new SortedDictionary<string, int>(StringComparer.Ordinal);
            var opName = op.GetString()!;
            ops[opName] = ops.GetValueOrDefault(opName) + 1;
        }
        return new NodePlacement(byProvider.ToDictionary(p => p.Key, p => new ProviderNodes(p.Value.Values.Sum(), p.Value)));
    }

    /// <summary>Parses the trace file ONNX Runtime wrote.</summary>
    public static NodePlacement FromProfile(string path)
    {
        using var stream = File.OpenRead(path);
        return FromProfile(stream);
    }

    private const string KernelSuffix = "_kernel_time";
}
