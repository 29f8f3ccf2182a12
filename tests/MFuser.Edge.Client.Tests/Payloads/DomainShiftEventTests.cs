using System.Text.Json;
using MFuser.Edge.Client.Payloads;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.TestSupport;
using EndReason = MFuser.Edge.Client.Payloads.EpisodeEndReason;
using EventKind = MFuser.Edge.Client.Payloads.EpisodeEventKind;

namespace MFuser.Edge.Client.Tests.Payloads;

public sealed class DomainShiftEventTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void The_end_a_restart_writes_for_an_episode_cut_by_a_crash_parses_with_reason_restart()
    {
        var start = new DateTimeOffset(2026, 12, 7, 10, 0, 1, TimeSpan.Zero);
        var signals = ShiftSignals.All.Select(s => s == ShiftSignal.Contrast ? 0.1 : double.NaN).ToArray();
        var opened = new EpisodeEvent(Core.DomainShift.EpisodeEventKind.New, "ep1", 0, new FrameStamp(40, start.AddSeconds(4.5)), start, null,
            7.2, 9.1, ShiftSignal.Contrast, signals, signals);
        var file = new OpenEpisodeFile(_dir.Path);
        file.Track(EpisodeEventJson.Serialize(opened, null), episodeOpen: true);

        var end = JsonSerializer.Deserialize(file.EndLeftOver()!, ClientJsonContext.Default.DomainShiftEvent)!;

        Assert.Equal((EventKind.End, "ep1/1", EndReason.Restart), (end.Event, end.EventId, end.EndReason));
        Assert.Equal(start.AddSeconds(4.5), end.EndedAt);
    }

    public void Dispose() => _dir.Dispose();
}
