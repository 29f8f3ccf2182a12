using MFuser.Edge.Web.Tests.Support;
using MFuser.TestSupport;
using OpenCvSharp;
using PuppeteerSharp;

namespace MFuser.Edge.Web.Tests;

/// <summary>The page in a real headless Chromium (the system's /usr/bin/chromium, driven over the DevTools protocol;
/// no browser is downloaded), served by the host on a free loopback port while a synthetic drive feeds it.</summary>
[Collection(Serial.Name)]
public class ConsolePageTests
{
    [RequiresFact(HeadlessChromium.Executable, "chromium")]
    public async Task Shows_live_video_free_space_shift_plot_and_episodes()
    {
        await using var console = await TestConsole.StartAsync(fps: 10);
        await using var drive = new SyntheticDrive(console.Feed, calibrated: true);
        await using var chromium = await HeadlessChromium.LaunchAsync(1280, 900);
        await using var page = await chromium.Browser.NewPageAsync();
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e.Message);
        page.Console += (_, e) =>
        {
            if (e.Message.Type == ConsoleType.Error)
                errors.Add(e.Message.Text);
        };
        await page.GoToAsync(console.Host.Address.ToString(), WaitUntilNavigation.DOMContentLoaded);

        Assert.True(await HeadlessChromium.DistinctVideoFramesAsync(page) >= 3, "the video shows at least 3 distinct frames");
        await page.WaitForFunctionAsync(
            "() => document.getElementById('bev-caption').textContent.includes('corridor 6.7 m') && " +
            "document.querySelector('#episodes td')?.textContent !== 'no episodes' && " +
            "document.getElementById('fps').textContent === '29.7'", new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.True(await HeadlessChromium.PaintedPixelsAsync(page, "bev") > 2000, "the free-space view has content");
        Assert.True(await HeadlessChromium.PaintedPixelsAsync(page, "shift") > 200, "the shift plot has content");
        Assert.Contains("sharpness", await page.EvaluateExpressionAsync<string>("document.getElementById('episodes').textContent"));
        Assert.Contains("inference", await page.EvaluateExpressionAsync<string>("document.getElementById('stages').textContent"));
        Assert.Equal("ready", await page.EvaluateExpressionAsync<string>("document.getElementById('ready').textContent"));
        await page.WaitForFunctionAsync("() => /console viewers1/.test(document.getElementById('counters').textContent)",
            new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.Equal("", await page.EvaluateExpressionAsync<string>("document.getElementById('status').textContent"));

        var screenshot = Path.Combine(AppContext.BaseDirectory, "console-screenshot.png");
        await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
        AssertScreenshotShowsTheOverlay(screenshot);

        await page.ClickAsync("button[data-view='camera']");
        await page.WaitForFunctionAsync("() => document.getElementById('video').src.endsWith('stream/camera')",
            new WaitForFunctionOptions { Timeout = 60_000 });
        await WaitUntilAsync(() => console.Feed.WantedViews == ConsoleView.Camera);
        Assert.True(await HeadlessChromium.DistinctVideoFramesAsync(page) >= 3, "the camera view streams too");
        Assert.Empty(errors);
    }

    [RequiresFact(HeadlessChromium.Executable, "chromium")]
    public async Task On_a_phone_without_calibration_shows_one_column_and_image_rows()
    {
        await using var console = await TestConsole.StartAsync(fps: 5);
        await using var drive = new SyntheticDrive(console.Feed, calibrated: false);
        await using var chromium = await HeadlessChromium.LaunchAsync(390, 844);
        await using var page = await chromium.Browser.NewPageAsync();
        await page.GoToAsync(console.Host.Address.ToString(), WaitUntilNavigation.DOMContentLoaded);
        Assert.True(await HeadlessChromium.DistinctVideoFramesAsync(page) >= 3, "the video shows at least 3 distinct frames");
        await page.WaitForFunctionAsync(
            "() => document.getElementById('bev-mode').textContent === '(image rows, no calibration)' && " +
            "document.getElementById('bev-caption').textContent.includes('59 rows clear (car)')",
            new WaitForFunctionOptions { Timeout = 60_000 });
        Assert.True(await HeadlessChromium.PaintedPixelsAsync(page, "bev") > 2000, "the free-space view has content");
        var widths = await page.EvaluateExpressionAsync<double[]>(
            "[innerWidth, document.querySelector('.video').getBoundingClientRect().width, " +
            "document.getElementById('bev').getBoundingClientRect().width, document.documentElement.scrollWidth]");
        Assert.True(widths[1] > 0.9 * widths[0] && widths[2] > 0.8 * widths[0], $"one column on a phone: {string.Join(", ", widths)}");
        var overflowing = await page.EvaluateExpressionAsync<string>(
            "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)" +
            ".map(e => e.tagName + '#' + e.id + '.' + e.className).join(' ')");
        Assert.True(widths[3] <= widths[0], $"no sideways scrolling: page {widths[3]} px wide in a {widths[0]} px window: {overflowing}");
        await page.ScreenshotAsync(Path.Combine(AppContext.BaseDirectory, "console-phone.png"), new ScreenshotOptions { FullPage = true });
    }

    private static void AssertScreenshotShowsTheOverlay(string path)
    {
        using var shot = Cv2.ImRead(path, ImreadModes.Color);
        Assert.False(shot.Empty(), $"{path} is not a readable PNG");
        Assert.True(shot.Width >= 1280 && shot.Height >= 600, $"screenshot is {shot.Width}x{shot.Height}");
        Cv2.MeanStdDev(shot, out _, out var spread);
        Assert.True(spread.Val0 + spread.Val1 + spread.Val2 > 30, "the screenshot is not blank");
        using var road = new Mat();
        var (b, g, r) = (SyntheticDrive.RoadBgr.Val0, SyntheticDrive.RoadBgr.Val1, SyntheticDrive.RoadBgr.Val2);
        Cv2.InRange(shot, new Scalar(b - 14, g - 14, r - 14), new Scalar(b + 14, g + 14, r + 14), road);
        Assert.True(Cv2.CountNonZero(road) > 5000, $"the overlay's road colour covers {Cv2.CountNonZero(road)} pixels");
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!condition())
            await Task.Delay(20, timeout.Token);
    }
}
