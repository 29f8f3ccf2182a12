using MFuser.Edge.Web.Tests.Support;
using OpenCvSharp;
using PuppeteerSharp;

namespace MFuser.Edge.Web.Tests;

/// <summary>The page in a real headless Chromium (the system's /usr/bin/chromium, driven over the DevTools protocol;
/// no browser is downloaded), served by the host on a free loopback port while a synthetic drive feeds it.</summary>
[Collection(Serial.Name)]
public class ConsolePageTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    [RequiresFact(Chromium, "chromium")]
    public async Task Shows_live_video_free_space_shift_plot_and_episodes()
    {
        await using var console = await TestConsole.StartAsync(fps: 10);
        await using var drive = new SyntheticDrive(console.Feed, calibrated: true);
        var profile = Directory.CreateTempSubdirectory("mfuser-console-chromium-");
        try
        {
            await using var browser = await LaunchAsync(profile, 1280, 900);
            await using var page = await browser.NewPageAsync();
            var errors = new List<string>();
            page.PageError += (_, e) => errors.Add(e.Message);
            page.Console += (_, e) =>
            {
                if (e.Message.Type == ConsoleType.Error)
                    errors.Add(e.Message.Text);
            };
            await page.GoToAsync(console.Host.Address.ToString(), WaitUntilNavigation.DOMContentLoaded);

            Assert.True(await DistinctVideoFramesAsync(page) >= 3, "the video shows at least 3 distinct frames");
            await page.WaitForFunctionAsync(
                "() => document.getElementById('bev-caption').textContent.includes('corridor 6.7 m') && " +
                "document.querySelector('#episodes td')?.textContent !== 'no episodes' && " +
                "document.getElementById('fps').textContent === '29.7'", new WaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await PaintedPixelsAsync(page, "bev") > 2000, "the free-space view has content");
            Assert.True(await PaintedPixelsAsync(page, "shift") > 200, "the shift plot has content");
            Assert.Contains("sharpness", await page.EvaluateExpressionAsync<string>("document.getElementById('episodes').textContent"));
            Assert.Contains("inference", await page.EvaluateExpressionAsync<string>("document.getElementById('stages').textContent"));
            Assert.Equal("ready", await page.EvaluateExpressionAsync<string>("document.getElementById('ready').textContent"));
            await page.WaitForFunctionAsync("() => /console viewers1/.test(document.getElementById('counters').textContent)",
                new WaitForFunctionOptions { Timeout = 60_000 });

            var screenshot = Path.Combine(AppContext.BaseDirectory, "console-screenshot.png");
            await page.ScreenshotAsync(screenshot, new ScreenshotOptions { FullPage = true });
            AssertScreenshotShowsTheOverlay(screenshot);

            await page.ClickAsync("button[data-view='camera']");
            await page.WaitForFunctionAsync("() => document.getElementById('video').src.endsWith('stream/camera')",
                new WaitForFunctionOptions { Timeout = 60_000 });
            await WaitUntilAsync(() => console.Feed.WantedViews == ConsoleView.Camera);
            Assert.True(await DistinctVideoFramesAsync(page) >= 3, "the camera view streams too");
            Assert.Empty(errors);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    [RequiresFact(Chromium, "chromium")]
    public async Task On_a_phone_without_calibration_shows_one_column_and_image_rows()
    {
        await using var console = await TestConsole.StartAsync(fps: 5);
        await using var drive = new SyntheticDrive(console.Feed, calibrated: false);
        var profile = Directory.CreateTempSubdirectory("mfuser-console-chromium-");
        try
        {
            await using var browser = await LaunchAsync(profile, 390, 844);
            await using var page = await browser.NewPageAsync();
            await page.GoToAsync(console.Host.Address.ToString(), WaitUntilNavigation.DOMContentLoaded);
            Assert.True(await DistinctVideoFramesAsync(page) >= 3, "the video shows at least 3 distinct frames");
            await page.WaitForFunctionAsync(
                "() => document.getElementById('bev-mode').textContent === '(image rows, no calibration)' && " +
                "document.getElementById('bev-caption').textContent.includes('59 rows clear (car)')",
                new WaitForFunctionOptions { Timeout = 60_000 });
            Assert.True(await PaintedPixelsAsync(page, "bev") > 2000, "the free-space view has content");
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
        finally
        {
            profile.Delete(recursive: true);
        }
    }

    private static Task<IBrowser> LaunchAsync(DirectoryInfo profile, int width, int height) => Puppeteer.LaunchAsync(new LaunchOptions
    {
        ExecutablePath = Chromium,
        HeadlessMode = HeadlessMode.True,
        UserDataDir = profile.FullName,
        Args = ChromiumArgs,
        DefaultViewport = new ViewPortOptions { Width = width, Height = height },
    });

    /// <summary>Draws the &lt;img&gt; into a canvas every 100 ms and counts distinct pixel hashes (up to 40 s).</summary>
    private static Task<int> DistinctVideoFramesAsync(IPage page) => page.EvaluateFunctionAsync<int>("""
        async () => {
          const img = document.getElementById('video');
          const canvas = document.createElement('canvas');
          canvas.width = 64; canvas.height = 36;
          const g = canvas.getContext('2d', { willReadFrequently: true });
          const seen = new Set();
          for (const end = Date.now() + 40000; seen.size < 3 && Date.now() < end;) {
            if (img.naturalWidth > 0) {
              g.drawImage(img, 0, 0, 64, 36);
              const d = g.getImageData(0, 0, 64, 36).data;
              let h = 0;
              for (let i = 0; i < d.length; i += 4) h = (Math.imul(h, 31) + d[i] + 3 * d[i + 1] + 7 * d[i + 2]) >>> 0;
              seen.add(h);
            }
            await new Promise((r) => setTimeout(r, 100));
          }
          return seen.size;
        }
        """);

    /// <summary>Pixels of a canvas that are not its background.</summary>
    private static Task<int> PaintedPixelsAsync(IPage page, string id) => page.EvaluateFunctionAsync<int>("""
        (id) => {
          const c = document.getElementById(id);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n;
        }
        """, id);

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
