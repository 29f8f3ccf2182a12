using System.Text.Json;

namespace MFuser.Edge.Web.Feed;

/// <summary>Recent domain-shift scores for the page's rolling plot: at most one sample per
/// <see cref="BucketMs"/> (the highest score in it, so short spikes stay visible), the last <see cref="Capacity"/>
/// samples. Fixed arrays: recording allocates nothing.</summary>
internal sealed class ShiftHistory
{
    public const int BucketMs = 100;
    public const int Capacity = 600;

    private readonly object _gate = new();
    private readonly long[] _times = new long[Capacity];
    private readonly double[] _scores = new double[Capacity];
    private int _count;
    private int _head;
    private double _openThreshold = double.NaN;
    private double _closeThreshold = double.NaN;

    public int Count
    {
        get { lock (_gate) return _count; }
    }

    public void SetThresholds(double open, double close)
    {
        lock (_gate)
        {
            _openThreshold = open;
            _closeThreshold = close;
        }
    }

    /// <summary>Records a score (NaN: none yet, e.g. during the monitor's warm-up) at a capture time.</summary>
    public void Add(DateTimeOffset capturedAt, double score)
    {
        var bucket = capturedAt.ToUnixTimeMilliseconds() / BucketMs * BucketMs;
        lock (_gate)
        {
            if (_count > 0)
            {
                var last = (_head + _count - 1) % Capacity;
                if (_times[last] == bucket)
                {
                    if (double.IsNaN(_scores[last]) || score > _scores[last])
                        _scores[last] = score;
                    return;
                }
            }
            int index;
            if (_count < Capacity)
            {
                index = (_head + _count) % Capacity;
                _count++;
            }
            else
            {
                index = _head;
                _head = (_head + 1) % Capacity;
            }
            _times[index] = bucket;
            _scores[index] = score;
        }
    }

    /// <summary>Writes <c>{"open_threshold":…,"close_threshold":…,"bucket_ms":100,"samples":[[unix_ms, score|null],…]}</c>,
    /// oldest first.</summary>
    public void WriteJson(Utf8JsonWriter writer)
    {
        lock (_gate)
        {
            writer.WriteStartObject();
            WriteNumberOrNull(writer, "open_threshold", _openThreshold);
            WriteNumberOrNull(writer, "close_threshold", _closeThreshold);
            writer.WriteNumber("bucket_ms", BucketMs);
            writer.WriteStartArray("samples");
            for (var i = 0; i < _count; i++)
            {
                var index = (_head + i) % Capacity;
                writer.WriteStartArray();
                writer.WriteNumberValue(_times[index]);
                if (double.IsFinite(_scores[index]))
                    writer.WriteNumberValue(Math.Round(_scores[index], 4));
                else
                    writer.WriteNullValue();
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
            writer.WriteNumber(name, value);
        else
            writer.WriteNull(name);
    }
}
