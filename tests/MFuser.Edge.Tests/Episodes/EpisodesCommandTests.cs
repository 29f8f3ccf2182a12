using System.Diagnostics;
using System.Text.Json;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.TestSupport;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Episodes;

/// <summary>A drive recorded once by the real recorder, shared by the tests of one class.</summary>
public sealed class RecordedDriveFixture : IAsyncLifetime
{
    private readonly TempDir _dir = new();

    public string Directory => _dir.Path;

    public Task InitializeAsync() => RecordedDrive.WriteAsync(_dir.Path);

    public Task DisposeAsync()
    {
        _dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary><c>mfuser-edge episodes</c> (list, export, report) as the built executable, on a drive written by the real
/// field-log recorder.</summary>
public sealed class EpisodesCommandTests(RecordedDriveFixture drive) : IClassFixture<RecordedDriveFixture>, IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private readonly TempDir _out = new();

    public void Dispose() => _out.Dispose();

    [Fact]
    public async Task The_list_names_every_episode_written_with_its_times_signal_peak_and_gps()
    {
        var table = await EdgeProcess.RunAsync(["episodes", drive.Directory]);
        Assert.True(table.ExitCode == 0, table.ToString());
        var lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID  ", lines[0]);
        Assert.Equal(RecordedDrive.Planned.Length + 1, lines.Length);
        for (var k = 0; k < RecordedDrive.Planned.Length; k++)
        {
            Assert.StartsWith(RecordedDrive.Planned[k].Id, lines[k + 1]);
            var dominant = RecordedDrive.Planned[k].Dominant.Name();
            Assert.Equal(lines[0].IndexOf("DOMINANT", StringComparison.Ordinal), lines[k + 1].IndexOf(dominant, StringComparison.Ordinal));
        }

        var json = await EdgeProcess.RunAsync(["episodes", "--json", drive.Directory]);
        Assert.True(json.ExitCode == 0, json.ToString());
        var episodes = JsonDocument.Parse(json.Stdout).RootElement.EnumerateArray().ToList();
        Assert.Equal(RecordedDrive.Planned.Length, episodes.Count);
        foreach (var (e, p) in episodes.Zip(RecordedDrive.Planned))
        {
            Assert.Equal(p.Id, e.GetProperty("id").GetString());
            Assert.Equal(RecordedDrive.Stamp(p.From).CapturedAt, e.GetProperty("start").GetDateTimeOffset());
            Assert.Equal(RecordedDrive.Stamp(p.To).CapturedAt, e.GetProperty("end").GetDateTimeOffset());
            Assert.Equal((p.To - p.From) / 10.0, e.GetProperty("duration_s").GetDouble(), 3);
            Assert.Equal(p.Dominant.Name(), e.GetProperty("dominant").GetString());
            Assert.Equal(p.Peak, e.GetProperty("peak_score").GetDouble());
            Assert.Equal("recovered", e.GetProperty("end_reason").GetString());
            Assert.Equal(RecordedDrive.Fix(p.From).Latitude, e.GetProperty("gps_start").GetProperty("lat").GetDouble(), 6);
            Assert.Equal(RecordedDrive.Fix(p.To).Longitude, e.GetProperty("gps_end").GetProperty("lon").GetDouble(), 6);
        }
    }

    [Fact]
    public async Task Export_writes_each_frame_overlay_and_label_map_of_the_episode_as_png()
    {
        var (id, from, to, _, _) = RecordedDrive.Planned[2];
        var p = await EdgeProcess.RunAsync(["episodes", "export", id[..8] /* a unique prefix */, "--out", _out.Path, drive.Directory]);
        Assert.True(p.ExitCode == 0, p.ToString());
        var files = System.IO.Directory.GetFiles(_out.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        var frames = to - from + 1;
        Assert.Equal(frames, files.Count(f => f!.EndsWith("-frame.png", StringComparison.Ordinal)));
        Assert.Equal(frames, files.Count(f => f!.EndsWith("-overlay.png", StringComparison.Ordinal)));
        Assert.Equal(frames, files.Count(f => f!.EndsWith("-labels.png", StringComparison.Ordinal)));
        Assert.Equal(frames, files.Count(f => f!.EndsWith("-labels-colour.png", StringComparison.Ordinal)));
        Assert.Equal("20261201T093022.000Z-frame.png", files[0]); // frame 220 at T0 + 22 s

        using var frame = Cv2.ImRead(Path.Combine(_out.Path, "20261201T093022.000Z-frame.png"), ImreadModes.Unchanged);
        Assert.Equal((RecordedDrive.Width, RecordedDrive.Height, 3), (frame.Width, frame.Height, frame.Channels()));
        using var labels = Cv2.ImRead(Path.Combine(_out.Path, "20261201T093022.000Z-labels.png"), ImreadModes.Unchanged);
        using var expected = RecordedDrive.Labels(car: true);
        Assert.Equal(1, labels.Channels());
        Assert.Equal(0, Cv2.CountNonZero(labels - expected) + Cv2.CountNonZero(expected - labels));
        using var colour = Cv2.ImRead(Path.Combine(_out.Path, "20261201T093022.000Z-labels-colour.png"), ImreadModes.Color);
        var car = Cityscapes.Classes[TrainIds.Car].Color;
        Assert.Equal(new Vec3b(car.B, car.G, car.R), colour.At<Vec3b>(60, 80));
        var road = Cityscapes.Classes[TrainIds.Road].Color;
        Assert.Equal(new Vec3b(road.B, road.G, road.R), colour.At<Vec3b>(90, 5));
    }

    [Fact]
    public async Task The_report_is_one_self_contained_page_that_chromium_renders_with_the_episodes_marked()
    {
        var html = Path.Combine(_out.Path, "report.html");
        var p = await EdgeProcess.RunAsync(["episodes", "report", "--out", html, drive.Directory]);
        Assert.True(p.ExitCode == 0, p.ToString());
        var text = await File.ReadAllTextAsync(html);
        Assert.DoesNotContain("http://", text.Replace("http://www.w3.org/2000/svg", "", StringComparison.Ordinal));
        Assert.DoesNotContain("https://", text);
        Assert.DoesNotContain("<script", text);
        Assert.Equal(RecordedDrive.Planned.Length * EpisodeReportThumbnails * 2, CountOf(text, "src=\"data:image/jpeg;base64,"));
        Assert.Contains("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"track\"", text);
        Assert.Contains("<td>brightness</td><td>2</td>", text);
        Assert.InRange(new FileInfo(html).Length, 10_000, 1_000_000);

        if (!File.Exists(Chromium))
        {
            Console.WriteLine($"SKIPPED the screenshot: {Chromium} is not installed (apt-get install chromium; build.sh deps)");
            return;
        }
        var screenshot = Path.Combine(_out.Path, "report.png");
        Screenshot(html, screenshot);
        using var image = Cv2.ImRead(screenshot, ImreadModes.Color);
        Assert.Equal((1280, 1600), (image.Width, image.Height));
        Cv2.MeanStdDev(image, out _, out var spread);
        Assert.True(spread.Val0 > 10, $"the screenshot is blank (σ {spread.Val0:F1})");
        // The timeline's solid episode bars: #e4572e.
        using var episodeColour = new Mat();
        Cv2.InRange(image, new Scalar(46 - 8, 87 - 8, 228 - 8), new Scalar(46 + 8, 87 + 8, 228 + 8), episodeColour);
        Assert.True(Cv2.CountNonZero(episodeColour) > 200, $"{Cv2.CountNonZero(episodeColour)} pixels in the episode colour");
    }

    private const int EpisodeReportThumbnails = 6;

    private static int CountOf(string text, string what)
    {
        var n = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + 1, StringComparison.Ordinal))
            n++;
        return n;
    }

    /// <summary>Headless Chromium, no network, a fresh profile: the page must stand on its own.</summary>
    private void Screenshot(string html, string png)
    {
        var profile = System.IO.Directory.CreateDirectory(Path.Combine(_out.Path, "chromium-profile")).FullName;
        var start = new ProcessStartInfo(Chromium)
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[]
                 {
                     "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", $"--user-data-dir={profile}", $"--screenshot={png}", "--window-size=1280,1600",
                     "--hide-scrollbars", new Uri(html).AbsoluteUri,
                 })
            start.ArgumentList.Add(a);
        using var chromium = Process.Start(start)!;
        var stderr = chromium.StandardError.ReadToEndAsync();
        _ = chromium.StandardOutput.ReadToEndAsync();
        if (!chromium.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            chromium.Kill(entireProcessTree: true);
            Assert.Fail("chromium did not finish the screenshot");
        }
        Assert.True(File.Exists(png), $"chromium wrote no screenshot (exit {chromium.ExitCode}): {stderr.Result}");
    }
}
