namespace MFuser.Onnx.Weights;

/// <summary>How a parameter is drawn when no checkpoint supplies it (random-weight exports and tests).</summary>
public abstract record WeightInit
{
    /// <summary>N(0, std²).</summary>
    public sealed record Normal(double Std) : WeightInit;
    /// <summary>Every element equal to <paramref name="Value"/> plus N(0, jitter²).</summary>
    public sealed record Constant(double Value, double Jitter = 0) : WeightInit;
    /// <summary>Mamba's A_log: row d = log(1..N).</summary>
    public sealed record StateLog : WeightInit;
    /// <summary>A value fixed by the architecture (e.g. RoPE tables), used whether or not a checkpoint holds it.</summary>
    public sealed record Fixed(float[] Data) : WeightInit;

    public static readonly WeightInit Ones = new Constant(1);
    public static readonly WeightInit Zeros = new Constant(0);
}

/// <summary>Where the exporter gets each named parameter (names are the model's state-dict keys).</summary>
public interface IWeightSource
{
    /// <summary>The float32 values of <paramref name="key"/>, which must have exactly <paramref name="shape"/>.</summary>
    float[] Read(string key, long[] shape, WeightInit init);
}

/// <summary>Weights from a safetensors checkpoint; a missing key or a shape mismatch is an error naming both.</summary>
public sealed class CheckpointWeights(SafetensorsFile file) : IWeightSource
{
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    /// <summary>Checkpoint tensors the export never asked for (e.g. training-only buffers), for the export log.</summary>
    public IReadOnlyList<string> UnusedKeys => file.Entries.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal).ToArray();

    public float[] Read(string key, long[] shape, WeightInit init)
    {
        _read.Add(key);
        if (!file.Entries.TryGetValue(key, out var entry))
        {
            if (init is WeightInit.Fixed fixedValue) return fixedValue.Data;  // architecture constants may be absent
            throw new KeyNotFoundException($"{file.Path}: checkpoint lacks parameter '{key}' (expected shape [{string.Join(", ", shape)}])");
        }
        // Scalars may be stored as shape [] or [1]; otherwise shapes must match exactly.
        var same = entry.Shape.SequenceEqual(shape) || (entry.ElementCount == 1 && shape.Aggregate(1L, (a, d) => a * d) == 1);
        if (!same)
            throw new InvalidDataException(
                $"{file.Path}: parameter '{key}' has shape [{string.Join(", ", entry.Shape)}], the architecture expects " +
                $"[{string.Join(", ", shape)}]");
        return file.ReadFloat32(key);
    }
}

/// <summary>
/// Deterministic random weights: each key gets its own generator seeded from (seed, key), so values do not depend
/// on the order of reads. Used for <c>--random-weights</c> exports (e.g. <c>paper-l</c> without a checkpoint) and tests.
/// </summary>
public sealed class RandomWeights(int seed) : IWeightSource
{
    /// <summary>Every key read so far with its values (only when <see cref="Record"/> is set: small models, tests).</summary>
    public Dictionary<string, (float[] Data, long[] Shape)> Recorded { get; } = new(StringComparer.Ordinal);
    public bool Record { get; init; }

    public float[] Read(string key, long[] shape, WeightInit init)
    {
        var count = checked((int)shape.Aggregate(1L, (a, d) => a * d));
        var rng = new Random(StableHash(key, seed));
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
        var data = new float[count];
        switch (init)
        {
            case WeightInit.Normal n:
                for (var i = 0; i < count; i++) data[i] = (float)(n.Std * Normal());
                break;
            case WeightInit.Constant c:
                for (var i = 0; i < count; i++) data[i] = (float)(c.Value + (c.Jitter == 0 ? 0 : c.Jitter * Normal()));
                break;
            case WeightInit.StateLog:
                var states = (int)shape[^1];
                for (var i = 0; i < count; i++) data[i] = MathF.Log(i % states + 1);
                break;
            case WeightInit.Fixed f:
                if (f.Data.Length != count) throw new ArgumentException($"fixed value of '{key}' has {f.Data.Length} elements, shape needs {count}");
                data = f.Data;
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(init), init, null);
        }
        if (Record) Recorded[key] = (data, shape);
        return data;
    }

    /// <summary>FNV-1a over the key, seeded: the same in every process (unlike <see cref="HashCode"/>).</summary>
    private static int StableHash(string key, int seed)
    {
        var h = 2166136261u ^ (uint)seed * 2654435761u;
        foreach (var ch in key) h = (h ^ ch) * 16777619u;
        return (int)(h & 0x7fffffff);
    }
}
