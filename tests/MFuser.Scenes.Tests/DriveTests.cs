using MFuser.Scenes.Drive;

namespace MFuser.Scenes.Tests;

public class DriveTests
{
    private const int W = 256, H = 128;

    private static DriveSimulator Drive(string schedule, double fps = 15, int seed = 7) => new(new DriveOptions
    {
        Seed = seed, Fps = fps, Size = new ImageSize(W, H), Schedule = WeatherSchedule.Parse(schedule),
    });

    [Fact]
    public void ConsecutiveFramesAreCoherent()
    {
        var sim = Drive("clear");
        var bgr = new byte[W * H * 3];
        var previous = new byte[W * H];
        var current = new byte[W * H];
        sim.Next(bgr, previous);
        var agreements = new List<double>();
        for (var i = 0; i < 45; i++)
        {
            sim.Next(bgr, current);
            agreements.Add(previous.Zip(current).Count(p => p.First == p.Second) / (double)(W * H));
            (previous, current) = (current, previous);
        }
        Assert.True(agreements.Average() > 0.9, $"mean agreement {agreements.Average():P1}");
        Assert.True(agreements.Min() > 0.75, $"worst agreement {agreements.Min():P1}");
        // ...and the camera really moves: the scene after 3 s is not the first one.
        Assert.True(sim.Distance > 30, $"travelled {sim.Distance} m");
    }

    [Fact]
    public void ScheduleSwitchesAtTheStatedTimesAndRepeats()
    {
        var sim = Drive("clear:1,fog:0.5,night:1", fps: 10);
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        Assert.Equal(-1, sim.FrameIndex);
        var seen = new List<(long frame, TimeSpan time, Domain domain)>();
        for (var i = 0; i < 30; i++)
        {
            sim.Next(bgr, labels);
            seen.Add((sim.FrameIndex, sim.Time, sim.Domain));
        }
        for (var i = 0; i < 30; i++)
        {
            Assert.Equal(i, seen[i].frame);
            Assert.Equal(TimeSpan.FromSeconds(i / 10.0), seen[i].time);
            var expected = (i % 25) switch { < 10 => Domain.Clear, < 15 => Domain.Fog, _ => Domain.Night };
            Assert.Equal(expected, seen[i].domain);
        }
    }

    [Fact]
    public void OpenEndedLastEntryHolds()
    {
        var schedule = WeatherSchedule.Parse("clear:60,fog:30,night");
        Assert.False(schedule.Repeats);
        Assert.Equal(Domain.Clear, schedule.DomainAt(59.9));
        Assert.Equal(Domain.Fog, schedule.DomainAt(60));
        Assert.Equal(Domain.Night, schedule.DomainAt(90));
        Assert.Equal(Domain.Night, schedule.DomainAt(1e6));
        Assert.Equal("clear:60,fog:30,night", schedule.ToString());
    }

    [Fact]
    public void WeatherChangesAppearanceButNotLabels()
    {
        var clear = Drive("clear");
        var fog = Drive("fog");
        var (b1, l1, b2, l2) = (new byte[W * H * 3], new byte[W * H], new byte[W * H * 3], new byte[W * H]);
        for (var i = 0; i < 5; i++)
        {
            clear.Next(b1, l1);
            fog.Next(b2, l2);
            Assert.Equal(l1, l2);
            Assert.NotEqual(b1, b2);
        }
    }

    [Fact]
    public void DrivesReplayExactly()
    {
        var a = Drive("clear:0.5,rain:0.5");
        var b = Drive("clear:0.5,rain:0.5");
        var (b1, l1, b2, l2) = (new byte[W * H * 3], new byte[W * H], new byte[W * H * 3], new byte[W * H]);
        for (var i = 0; i < 20; i++)
        {
            a.Next(b1, l1);
            b.Next(b2, l2);
        }
        Assert.Equal(b1, b2);
        Assert.Equal(l1, l2);
    }

    [Fact]
    public void SteadyStateAllocatesNothingPerFrame()
    {
        var sim = Drive("clear:1,night:1,fog:1");
        var bgr = new byte[W * H * 3];
        var labels = new byte[W * H];
        for (var i = 0; i < 60; i++) sim.Next(bgr, labels); // every domain seen once, buffers sized
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 45; i++) sim.Next(bgr, labels);
        var perFrame = (GC.GetAllocatedBytesForCurrentThread() - before) / 45.0;
        Assert.True(perFrame < 256, $"{perFrame:F0} bytes allocated per frame");
    }

    [Fact]
    public void FromUriReadsEveryKey()
    {
        var sim = DriveSimulator.FromUri(new Uri(
            "synthetic://drive?seed=9&fps=12.5&schedule=clear:60,fog:30,night:30,clear:60&size=320x160&speed=8"));
        Assert.Equal(9, sim.Options.Seed);
        Assert.Equal(12.5, sim.Fps);
        Assert.Equal(320, sim.Width);
        Assert.Equal(160, sim.Height);
        Assert.Equal(8f, sim.Options.Speed);
        Assert.Equal("clear:60,fog:30,night:30,clear:60", sim.Options.Schedule.ToString());
        Assert.True(sim.Options.Schedule.Repeats);
    }

    [Theory]
    [InlineData("synthetic://drive?sede=7", "'sede'")]
    [InlineData("synthetic://drive?fps=0", "'fps'")]
    [InlineData("synthetic://drive?fps=abc", "'fps'")]
    [InlineData("synthetic://drive?size=512", "'size'")]
    [InlineData("synthetic://drive?schedule=clear:60,hail:5", "'hail'")]
    [InlineData("synthetic://drive?schedule=fog,clear:5", "only the last entry")]
    [InlineData("synthetic://drive?schedule=fog:-3", "'-3'")]
    [InlineData("synthetic://walk?seed=1", "not a synthetic drive URI")]
    [InlineData("file://drive?seed=1", "not a synthetic drive URI")]
    public void BadUrisAreRejectedByName(string uri, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => DriveSimulator.FromUri(new Uri(uri)));
        Assert.Contains(expected, e.Message);
    }

    [Theory]
    [InlineData(0, 11, "fps 0")]
    [InlineData(15, -1, "speed -1")]
    public void OutOfRangeOptionsAreRejected(double fps, float speed, string expected)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new DriveSimulator(new DriveOptions { Fps = fps, Speed = speed }));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void WrongBufferIsRejected()
    {
        var sim = Drive("clear");
        Assert.Throws<ArgumentException>(() => sim.Next(new byte[10], new byte[W * H]));
    }
}
