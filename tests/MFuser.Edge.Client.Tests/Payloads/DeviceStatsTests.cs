using System.Text.Json;
using MFuser.Edge.Client.Payloads;
using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Client.Tests.Payloads;

public sealed class DeviceStatsTests
{
    [Fact]
    public void The_daemons_stats_parse_with_typed_counters_and_the_part_blocks_as_json()
    {
        var published = new StatsPayload(DateTimeOffset.UnixEpoch, 18.5, 29.7, 560, 548, 12, 3, 0,
            new Dictionary<string, Core.Payloads.LatencyPercentiles> { ["inference"] = new(30.4, 33.1, 41, 44.2) },
            new MqttStats(true, "5.0", 1109, 2, 0, 0, 0), new MemoryStats(212.4, 18.3)) { Control = new ControlStats(5, 2, 0) };

        var stats = JsonSerializer.Deserialize(published.ToUtf8Json(), ClientJsonContext.Default.DeviceStats)!;

        Assert.Equal((560L, 548L, 12L, 29.7), (stats.FramesCaptured, stats.FramesProcessed, stats.FramesDropped, stats.Fps));
        Assert.Equal(41, stats.LatencyMs["inference"].P99);
        Assert.Equal(2, stats.Blocks["mqtt"].GetProperty("dropped").GetInt64());
        Assert.Equal(2, stats.Blocks["control"].GetProperty("rejected").GetInt64());
        Assert.False(stats.Blocks.ContainsKey("gps"));
    }

    [Fact]
    public void Stats_without_a_required_member_fail_to_parse()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize("""{"at":"2026-11-26T16:03:00.001Z","uptime_s":1}""",
            ClientJsonContext.Default.DeviceStats));
    }
}
