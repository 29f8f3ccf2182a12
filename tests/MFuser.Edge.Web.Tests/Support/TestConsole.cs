using MFuser.Edge.Web.Http;

namespace MFuser.Edge.Web.Tests.Support;

/// <summary>A console host on a free loopback port with its feed and an HttpClient pointed at it.</summary>
internal sealed class TestConsole : IAsyncDisposable
{
    private TestConsole(ConsoleHost host, ConsoleFeed feed)
    {
        Host = host;
        Feed = feed;
        Client = new HttpClient { BaseAddress = host.Address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public ConsoleHost Host { get; }

    public ConsoleFeed Feed { get; }

    public HttpClient Client { get; }

    public static async Task<TestConsole> StartAsync(string token = "", double fps = 5, TimeSpan? stallTimeout = null,
        TimeSpan? imageWait = null)
    {
        var feed = new ConsoleFeed(fps);
        var options = new ConsoleOptions { Listen = "127.0.0.1:0", Token = token, Fps = fps };
        var settings = new ConsoleHostSettings(stallTimeout ?? TimeSpan.FromSeconds(10), imageWait ?? TimeSpan.FromMilliseconds(300));
        var host = await ConsoleHost.StartAsync(options, feed, null, settings, CancellationToken.None);
        return new TestConsole(host, feed);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Host.DisposeAsync();
        Feed.Dispose();
    }
}
