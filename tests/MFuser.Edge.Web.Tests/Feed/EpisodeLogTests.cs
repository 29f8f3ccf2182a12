using System.Text;
using System.Text.Json;
using MFuser.Edge.Web.Feed;

namespace MFuser.Edge.Web.Tests.Feed;

public class EpisodeLogTests
{
    [Fact]
    public void Empty_log_is_an_empty_array() => Assert.Equal("[]", Encoding.UTF8.GetString(new EpisodeLog().ToJsonArray()));

    [Fact]
    public void Joins_the_events_byte_for_byte_oldest_first()
    {
        var log = new EpisodeLog();
        log.Add("{\"event\":\"new\",\"seq\":0}"u8);
        log.Add("{ \"event\" : \"end\", \"seq\":1 }"u8);
        Assert.Equal("[{\"event\":\"new\",\"seq\":0},{ \"event\" : \"end\", \"seq\":1 }]", Encoding.UTF8.GetString(log.ToJsonArray()));
    }

    [Fact]
    public void Keeps_the_most_recent_events_only()
    {
        var log = new EpisodeLog();
        for (var i = 0; i < EpisodeLog.Capacity + 10; i++)
            log.Add(Encoding.UTF8.GetBytes($"{{\"seq\":{i}}}"));
        var events = JsonDocument.Parse(log.ToJsonArray()).RootElement;
        Assert.Equal(EpisodeLog.Capacity, events.GetArrayLength());
        Assert.Equal(10, events[0].GetProperty("seq").GetInt32());
        Assert.Equal(EpisodeLog.Capacity + 9, events[EpisodeLog.Capacity - 1].GetProperty("seq").GetInt32());
    }
}
