using PuppeteerSharp;

namespace MFuser.TestSupport;

/// <summary>The system Chromium (<c>/usr/bin/chromium</c>, Debian package <c>chromium</c>) driven headless over the
/// DevTools protocol by PuppeteerSharp, with a temporary profile; no browser is ever downloaded. Plus the page probes
/// the console tests share.</summary>
public sealed class HeadlessChromium : IAsyncDisposable
{
    public const string Executable = "/usr/bin/chromium";

    private static readonly string[] Args =
    [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync",
    ];

    private readonly DirectoryInfo _profile;

    private HeadlessChromium(IBrowser browser, DirectoryInfo profile) => (Browser, _profile) = (browser, profile);

    public IBrowser Browser { get; }

    /// <summary>Starts Chromium with a fresh profile and a <paramref name="width"/> × <paramref name="height"/> viewport.</summary>
    public static async Task<HeadlessChromium> LaunchAsync(int width, int height)
    {
        var profile = Directory.CreateTempSubdirectory("mfuser-chromium-");
        try
        {
            var browser = await Puppeteer.LaunchAsync(new LaunchOptions
            {
                ExecutablePath = Executable,
                HeadlessMode = HeadlessMode.True,
                UserDataDir = profile.FullName,
                Args = Args,
                DefaultViewport = new ViewPortOptions { Width = width, Height = height },
            });
            return new HeadlessChromium(browser, profile);
        }
        catch
        {
            profile.Delete(recursive: true);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        _profile.Delete(recursive: true);
    }

    /// <summary>Draws the &lt;img&gt; <paramref name="id"/> into a canvas every 100 ms and counts distinct pixel hashes
    /// (until 3 are seen, up to 40 s).</summary>
    public static Task<int> DistinctVideoFramesAsync(IPage page, string id = "video") => page.EvaluateFunctionAsync<int>("""
        async (id) => {
          const img = document.getElementById(id);
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
        """, id);

    /// <summary>Pixels of canvas <paramref name="id"/> that are not its (transparent) background.</summary>
    public static Task<int> PaintedPixelsAsync(IPage page, string id) => page.EvaluateFunctionAsync<int>("""
        (id) => {
          const c = document.getElementById(id);
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let n = 0;
          for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
          return n;
        }
        """, id);
}
