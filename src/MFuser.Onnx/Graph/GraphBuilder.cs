using System.Runtime.InteropServices;
using MFuser.Onnx.Proto;

namespace MFuser.Onnx.Graph;

/// <summary>
/// Builds one ONNX graph over the proto2 ONNX classes generated from Proto/onnx.proto: inputs, outputs, initializers, nodes, value_info and the
/// opset imports the nodes need. Names are made unique and prefixed by the current <see cref="Scope"/>, so a
/// graph reads like the module tree it came from. Op helpers live in <c>GraphBuilder.Ops.cs</c>.
/// </summary>
public sealed partial class GraphBuilder
{
    /// <summary>Default-domain opset: 18 gives Pad with <c>axes</c>, reductions with axes as input, Resize 18.</summary>
    public const long DefaultOpset = 18;

    private readonly GraphProto _graph;
    private readonly IInitializerStore _store;
    private readonly Dictionary<string, long> _opsets = new(StringComparer.Ordinal) { [""] = DefaultOpset };
    private readonly HashSet<string> _names = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Value> _constants = new(StringComparer.Ordinal);
    private readonly Stack<string> _scopes = new();

    public GraphBuilder(string graphName, IInitializerStore? initializerStore = null)
    {
        _graph = new GraphProto { Name = graphName };
        _store = initializerStore ?? InlineInitializerStore.Instance;
    }

    public GraphProto Graph => _graph;
    public IReadOnlyDictionary<string, long> Opsets => _opsets;
    public int NodeCount => _graph.Node.Count;

    /// <summary>Declares (or raises) the opset version imported for <paramref name="domain"/>.</summary>
    public void UseOpset(string domain, long version)
    {
        if (!_opsets.TryGetValue(domain, out var v) || v < version) _opsets[domain] = version;
    }

    /// <summary>Prefixes every name created until the returned handle is disposed ("blocks.3" → "blocks.3/attn/...").</summary>
    public IDisposable Scope(string name)
    {
        _scopes.Push(name);
        return new ScopeHandle(_scopes);
    }

    /// <summary>A graph-unique name built from the scope path and <paramref name="hint"/>.</summary>
    public string FreshName(string hint)
    {
        var baseName = _scopes.Count == 0 ? hint : string.Join('/', _scopes.Reverse()) + "/" + hint;
        var name = baseName;
        for (var i = 1; !_names.Add(name); i++) name = $"{baseName}_{i}";
        return name;
    }

    private string Claim(string exactName)
    {
        if (!_names.Add(exactName)) throw new ArgumentException($"graph value name '{exactName}' is already used", nameof(exactName));
        return exactName;
    }

    /// <summary>A graph input. A dim of -1 is left unknown.</summary>
    public Value Input(string name, ElementType type, params long[] dims)
    {
        _graph.Input.Add(ValueInfo(Claim(name), type, dims));
        return new Value(name, type);
    }

    /// <summary>Makes <paramref name="value"/> a graph output named <paramref name="name"/> (an Identity renames it).</summary>
    public Value Output(Value value, string name, params long[] dims)
    {
        if (value.Name != name)
            value = Node("Identity", [value], name: name);
        _graph.Output.Add(ValueInfo(value.Name, value.Type, dims));
        return value;
    }

    /// <summary>Records the shape of an intermediate value (value_info), e.g. for TensorRT around plugin nodes.</summary>
    public void Annotate(Value value, params long[] dims) => _graph.ValueInfo.Add(ValueInfo(value.Name, value.Type, dims));

    public static ValueInfoProto ValueInfo(string name, ElementType type, IReadOnlyList<long>? dims)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type };
        if (dims is not null)
        {
            tensorType.Shape = new TensorShapeProto();
            foreach (var d in dims)
                tensorType.Shape.Dim.Add(d >= 0 ? new TensorShapeProto.Types.Dimension { DimValue = d } : new TensorShapeProto.Types.Dimension());
        }
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    // ---- initializers -------------------------------------------------------------------------------------

    /// <summary>An initializer with exactly this name (weights keep their checkpoint names).</summary>
    public Value Initializer<T>(string name, ReadOnlySpan<T> data, params long[] dims) where T : unmanaged
    {
        var type = ElementTypeOf<T>();
        long count = 1;
        foreach (var d in dims) count *= d;
        if (count != data.Length)
            throw new ArgumentException($"initializer '{name}': shape [{string.Join(',', dims)}] holds {count} elements, data has {data.Length}");
        return RawInitializer(name, type, MemoryMarshal.AsBytes(data), dims);
    }

    /// <summary>
    /// An initializer whose data is produced only if the store does not already hold bytes under this name (weights
    /// shared by the variants of one export are read once).
    /// </summary>
    public Value LazyInitializer<T>(string name, Func<T[]> data, params long[] dims) where T : unmanaged
    {
        var type = ElementTypeOf<T>();
        var tensor = new TensorProto { Name = name, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        if (!_store.TryReuse(tensor, dims.Aggregate(1L, (a, d) => a * d) * type.ByteSize()))
            return Initializer<T>(name, data(), dims);
        Claim(name);
        _graph.Initializer.Add(tensor);
        return new Value(name, type);
    }

    /// <summary>An initializer from little-endian bytes already in <paramref name="type"/>'s layout.</summary>
    public Value RawInitializer(string name, ElementType type, ReadOnlySpan<byte> littleEndianData, params long[] dims) =>
        AddInitializer(Claim(name), type, littleEndianData, dims);

    /// <summary>
    /// A constant used by one node only, under a fresh scoped name: unlike <see cref="Constant{T}"/> it is never shared,
    /// for importers that treat a constant differently once another node has consumed it (see <see cref="Pad"/>).
    /// </summary>
    public Value PrivateConstant<T>(string hint, ReadOnlySpan<T> data, params long[] dims) where T : unmanaged =>
        AddInitializer(FreshName(hint), ElementTypeOf<T>(), MemoryMarshal.AsBytes(data), dims);

    private Value AddInitializer(string claimedName, ElementType type, ReadOnlySpan<byte> littleEndianData, long[] dims)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw_data is little-endian");
        var tensor = new TensorProto { Name = claimedName, DataType = (int)type };
        tensor.Dims.AddRange(dims);
        _store.Store(tensor, littleEndianData);
        _graph.Initializer.Add(tensor);
        return new Value(claimedName, type);
    }

    /// <summary>
    /// A constant initializer named after a hash of its type, shape and bytes: identical constants are shared, and the
    /// same constant gets the same name in every variant of a model (so an external-data store can share it too).
    /// </summary>
    public Value Constant<T>(ReadOnlySpan<T> data, params long[] dims) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(data);
        var header = System.Text.Encoding.UTF8.GetBytes($"{typeof(T).Name}[{string.Join(',', dims)}]");
        using var sha = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
        sha.AppendData(header);
        sha.AppendData(bytes);
        var name = "const_" + Convert.ToHexStringLower(sha.GetHashAndReset())[..20];
        if (_constants.TryGetValue(name, out var existing)) return existing;
        var value = Initializer(name, data, dims);
        _constants[name] = value;
        return value;
    }

    public Value Scalar(float v) => Constant<float>([v]);
    public Value Ints(params long[] values) => Constant<long>(values, values.Length);

    private static ElementType ElementTypeOf<T>() where T : unmanaged =>
        typeof(T) == typeof(float) ? ElementType.Float
        : typeof(T) == typeof(long) ? ElementType.Int64
        : typeof(T) == typeof(int) ? ElementType.Int32
        : typeof(T) == typeof(byte) ? ElementType.UInt8
        : typeof(T) == typeof(sbyte) ? ElementType.Int8
        : typeof(T) == typeof(bool) ? ElementType.Bool
        : typeof(T) == typeof(Half) ? ElementType.Float16
        : typeof(T) == typeof(double) ? ElementType.Double
        : throw new NotSupportedException($"no ONNX element type for {typeof(T)}");

    // ---- nodes --------------------------------------------------------------------------------------------

    /// <summary>
    /// Adds a node with <paramref name="outputCount"/> outputs whose element type is <paramref name="outputType"/>
    /// (default: the first input's). Absent optional inputs are passed as <see cref="Value.Absent"/>.
    /// </summary>
    public Value[] NodeN(string opType, IReadOnlyList<Value> inputs, int outputCount, ElementType? outputType = null,
        string domain = "", string? name = null, params AttributeProto[] attributes)
    {
        if (domain.Length > 0 && !_opsets.ContainsKey(domain))
            throw new InvalidOperationException($"node {domain}::{opType} needs UseOpset(\"{domain}\", version) first");
        var type = outputType ?? (inputs.Count > 0 ? inputs[0].Type : throw new ArgumentException($"{opType}: output type needed"));
        var node = new NodeProto { OpType = opType, Domain = domain, Name = FreshName(opType) };
        foreach (var i in inputs) node.Input.Add(i.Name);
        var outputs = new Value[outputCount];
        for (var k = 0; k < outputCount; k++)
        {
            var outName = name is not null && k == 0 ? Claim(name)
                : FreshName(outputCount == 1 ? opType.ToLowerInvariant() : $"{opType.ToLowerInvariant()}_{k}");
            outputs[k] = new Value(outName, type);
            node.Output.Add(outName);
        }
        node.Attribute.AddRange(attributes);
        _graph.Node.Add(node);
        return outputs;
    }

    /// <summary>A node with one output.</summary>
    public Value Node(string opType, IReadOnlyList<Value> inputs, ElementType? outputType = null, string domain = "",
        string? name = null, params AttributeProto[] attributes) =>
        NodeN(opType, inputs, 1, outputType, domain, name, attributes)[0];

    // ---- model --------------------------------------------------------------------------------------------

    /// <summary>Wraps the graph into a model with its opset imports and the given metadata properties.</summary>
    public ModelProto ToModel(IEnumerable<KeyValuePair<string, string>>? metadata = null, string producerVersion = "1")
    {
        var model = new ModelProto
        {
            IrVersion = 9,
            ProducerName = "MFuser.Onnx",
            ProducerVersion = producerVersion,
            Graph = _graph,
        };
        foreach (var (domain, version) in _opsets.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            model.OpsetImport.Add(new OperatorSetIdProto { Domain = domain, Version = version });
        if (metadata is not null)
            foreach (var (k, v) in metadata)
                model.MetadataProps.Add(new StringStringEntryProto { Key = k, Value = v });
        return model;
    }

    private sealed class ScopeHandle(Stack<string> scopes) : IDisposable
    {
        private bool _done;
        public void Dispose()
        {
            if (_done) return;
            _done = true;
            scopes.Pop();
        }
    }
}
