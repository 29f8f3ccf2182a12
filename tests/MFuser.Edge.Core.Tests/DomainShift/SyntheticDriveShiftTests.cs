using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Payloads;
using MFuser.Scenes;
using MFuser.Scenes.Drive;
using Xunit.Abstractions;

namespace MFuser.Edge.Core.Tests.DomainShift;

/// <summary>The monitor with default options on the synthetic drive, without a model: the image statistics carry the
/// signal, and the reference is learned in the warm-up (first 10 s of clear weather).</summary>
public sealed class SyntheticDriveShiftTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Episodes_open_at_the_weather_changes_and_close_after()
    {
        // clear 0–20 s, fog 20–35 s, clear 35–55 s, night 55–70 s, clear 70–90 s
        var events = Drive("clear:20,fog:15,clear:20,night:15,clear:20,clear", seconds: 90);

        var episodes = events.GroupBy(e => e.EpisodeId).ToList();
        Assert.True(episodes.Count == 2, $"expected 2 episodes (fog, night), got {episodes.Count}:\n{Describe(events)}");
        AssertEpisode(episodes[0].ToList(), shiftAt: 20, backAt: 35, [ShiftSignal.Sharpness, ShiftSignal.Contrast], events);
        AssertEpisode(episodes[1].ToList(), shiftAt: 55, backAt: 70, [ShiftSignal.Brightness], events);
    }

    [Fact]
    public void A_constant_clear_drive_opens_no_episode()
    {
        var events = Drive("clear", seconds: 60);
        Assert.True(events.Count == 0, $"expected no events in clear weather:\n{Describe(events)}");
    }

    private static void AssertEpisode(List<EpisodeEvent> e, double shiftAt, double backAt, ShiftSignal[] dominant, List<EpisodeEvent> all)
    {
        var context = Describe(all);
        Assert.Equal(EpisodeEventKind.New, e[0].Kind);
        Assert.Equal(EpisodeEventKind.End, e[^1].Kind);
        Assert.All(e.Skip(1).SkipLast(1), u => Assert.Equal(EpisodeEventKind.Update, u.Kind));
        Assert.Equal(Enumerable.Range(0, e.Count), e.Select(x => x.Sequence));
        Assert.Equal(e.Count, e.Select(x => x.EventId).Distinct().Count());
        var opened = Seconds(e[0].Frame.CapturedAt);
        var ended = Seconds(e[^1].EndedAt!.Value);
        Assert.True(opened >= shiftAt && opened <= shiftAt + 4, $"episode opened at {opened:0.0} s, shift at {shiftAt} s\n{context}");
        Assert.True(ended >= backAt && ended <= backAt + 10, $"episode ended at {ended:0.0} s, back to clear at {backAt} s\n{context}");
        Assert.Contains(e[0].Dominant, dominant);
        Assert.True(e[0].PeakScore >= new DomainShiftOptions().OpenThreshold);
    }

    private List<EpisodeEvent> Drive(string schedule, double seconds)
    {
        const double fps = 5;
        var drive = new DriveSimulator(new DriveOptions
        {
            Fps = fps,
            Size = new MFuser.Scenes.ImageSize(256, 128),
            Schedule = WeatherSchedule.Parse(schedule),
        });
        var bgr = new byte[drive.Width * drive.Height * 3];
        var labels = new byte[drive.Width * drive.Height];
        var stats = new ImageStatistics(drive.Width, drive.Height);
        var monitor = new DomainShiftMonitor(new DomainShiftOptions());
        var events = new List<EpisodeEvent>();
        var maxScore = 0.0;
        for (var i = 0; i < seconds * fps; i++)
        {
            drive.Next(bgr, labels);
            var e = monitor.Observe(DomainSignals.From(stats.Compute(bgr)), default, new FrameStamp(i, T0 + drive.Time));
            if (e is not null)
                events.Add(e);
            if (drive.Domain == Domain.Clear && !monitor.InEpisode && double.IsFinite(monitor.Score))
                maxScore = Math.Max(maxScore, monitor.Score);
        }
        output.WriteLine($"{schedule}: highest score in clear weather outside episodes {maxScore:0.00}\n{Describe(events)}");
        return events;
    }

    private static double Seconds(DateTimeOffset t) => (t - T0).TotalSeconds;

    private static string Describe(IEnumerable<EpisodeEvent> events) => string.Join("\n", events.Select(e =>
        $"  {e.KindName,-6} {e.EventId} at {Seconds(e.Frame.CapturedAt):0.0} s score {e.Score:0.0} peak {e.PeakScore:0.0} {e.Dominant.Name()}"));
}
