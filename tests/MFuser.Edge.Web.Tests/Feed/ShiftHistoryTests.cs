using System.Buffers;
using System.Text.Json;
using MFuser.Edge.Web.Feed;

namespace MFuser.Edge.Web.Tests.Feed;

public class ShiftHistoryTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_764_172_968_000);

    [Fact]
    public void Keeps_the_highest_score_per_100_ms_bucket()
    {
        var history = new ShiftHistory();
        history.Add(Start, 1.0);
        history.Add(Start.AddMilliseconds(30), 3.5);
        history.Add(Start.AddMilliseconds(60), 2.0);
        history.Add(Start.AddMilliseconds(130), 0.5);
        var json = Json(history);
        Assert.Equal(2, json.GetProperty("samples").GetArrayLength());
        Assert.Equal(3.5, json.GetProperty("samples")[0][1].GetDouble());
        Assert.Equal(1_764_172_968_000, json.GetProperty("samples")[0][0].GetInt64());
        Assert.Equal(0.5, json.GetProperty("samples")[1][1].GetDouble());
    }

    [Fact]
    public void Writes_missing_scores_and_unset_thresholds_as_null()
    {
        var history = new ShiftHistory();
        history.Add(Start, double.NaN);
        var json = Json(history);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("open_threshold").ValueKind);
        Assert.Equal(JsonValueKind.Null, json.GetProperty("samples")[0][1].ValueKind);
        history.Add(Start.AddMilliseconds(10), 2.25);
        history.SetThresholds(4, 2);
        json = Json(history);
        Assert.Equal(2.25, json.GetProperty("samples")[0][1].GetDouble());
        Assert.Equal(4, json.GetProperty("open_threshold").GetDouble());
        Assert.Equal(2, json.GetProperty("close_threshold").GetDouble());
        Assert.Equal(100, json.GetProperty("bucket_ms").GetInt32());
    }

    [Fact]
    public void Holds_at_most_its_capacity_oldest_dropped_first()
    {
        var history = new ShiftHistory();
        for (var i = 0; i < ShiftHistory.Capacity + 50; i++)
            history.Add(Start.AddMilliseconds(i * 100), i);
        Assert.Equal(ShiftHistory.Capacity, history.Count);
        var samples = Json(history).GetProperty("samples");
        Assert.Equal(50, samples[0][1].GetDouble());
        Assert.Equal(ShiftHistory.Capacity + 49, samples[ShiftHistory.Capacity - 1][1].GetDouble());
    }

    [Fact]
    public void Recording_allocates_nothing()
    {
        var history = new ShiftHistory();
        history.Add(Start, 1);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
            history.Add(Start.AddMilliseconds(i * 33), i % 7);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static JsonElement Json(ShiftHistory history)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
            history.WriteJson(writer);
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }
}
