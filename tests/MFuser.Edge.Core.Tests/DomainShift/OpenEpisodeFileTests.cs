using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.DomainShift;
using MFuser.TestSupport;

namespace MFuser.Edge.Core.Tests.DomainShift;

public sealed class OpenEpisodeFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    private static byte[] Event(string kind, int seq) => Encoding.UTF8.GetBytes($$"""
        {"event":"{{kind}}","event_id":"ep1/{{seq}}","episode_id":"ep1","seq":{{seq}},"frame":40,
         "captured_at":"2026-12-07T10:00:05.500Z","started_at":"2026-12-07T10:00:01.000Z","ended_at":null,"end_reason":null,
         "duration_s":4.5,"score":7.2,"peak_score":9.1,"dominant":"contrast","signals":{"contrast":0.1},"z":{"contrast":-6.2},"gps":null}
        """);

    [Fact]
    public void The_last_open_event_becomes_the_next_end_with_reason_restart()
    {
        var file = new OpenEpisodeFile(_dir.Path);
        Assert.Null(file.EndLeftOver());
        file.Track(Event("new", 0), episodeOpen: true);
        file.Track(Event("update", 1), episodeOpen: true);

        var end = JsonDocument.Parse(file.EndLeftOver()!).RootElement;
        Assert.Equal("end", end.GetProperty("event").GetString());
        Assert.Equal(2, end.GetProperty("seq").GetInt32());
        Assert.Equal("ep1/2", end.GetProperty("event_id").GetString());
        Assert.Equal("restart", end.GetProperty("end_reason").GetString());
        Assert.Equal("2026-12-07T10:00:05.500Z", end.GetProperty("ended_at").GetString());
        Assert.Equal(4.5, end.GetProperty("duration_s").GetDouble(), 3);
        Assert.Equal(9.1, end.GetProperty("peak_score").GetDouble());
        Assert.Equal("contrast", end.GetProperty("dominant").GetString());
        Assert.Empty(Directory.GetFiles(_dir.Path, "*.tmp"));

        file.Clear();
        Assert.Null(file.EndLeftOver());
    }

    [Fact]
    public void An_end_event_forgets_the_episode()
    {
        var file = new OpenEpisodeFile(_dir.Path);
        file.Track(Event("new", 0), episodeOpen: true);
        file.Track(Event("end", 1), episodeOpen: false);
        Assert.False(File.Exists(file.Path));
        Assert.Null(file.EndLeftOver());
    }

    [Theory]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("{\"episode_id\":\"ep1\",\"seq\":-1}")]
    [InlineData("{\"episode_id\":\"ep1\",\"seq\":3,\"captured_at\":\"yesterday\",\"started_at\":\"2026-12-07T10:00:01Z\"}")]
    [InlineData("{\"seq\":3}")]
    [InlineData("\u0000\u0001garbage")]
    public void A_damaged_record_is_reported_as_invalid_data_naming_the_file(string content)
    {
        var file = new OpenEpisodeFile(_dir.Path);
        File.WriteAllText(file.Path, content);
        var e = Assert.Throws<InvalidDataException>(() => file.EndLeftOver());
        Assert.Contains(OpenEpisodeFile.FileName, e.Message);
    }

    public void Dispose() => _dir.Dispose();
}
