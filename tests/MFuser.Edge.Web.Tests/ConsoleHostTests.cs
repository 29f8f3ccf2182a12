using System.Net.Sockets;
using MFuser.Edge.Web.Tests.Support;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Web.Tests;

public class ConsoleHostTests
{
    [Fact]
    public async Task Port_0_binds_a_free_port_and_reports_it()
    {
        await using var console = await TestConsole.StartAsync();
        Assert.Equal("127.0.0.1", console.Host.Address.Host);
        Assert.NotEqual(0, console.Host.Address.Port);
        Assert.Equal("/", console.Host.Address.AbsolutePath);
        Assert.Equal("ok\n", await console.Client.GetStringAsync("healthz"));
    }

    [Fact]
    public async Task Listens_on_ipv6_loopback()
    {
        Assert.True(Socket.OSSupportsIPv6, "this test needs IPv6 loopback (::1)");
        using var feed = new ConsoleFeed();
        await using var host = await ConsoleHost.StartAsync(new ConsoleOptions { Listen = "[::1]:0" }, feed);
        Assert.Equal("[::1]", host.Address.Host);
        using var client = new HttpClient { BaseAddress = host.Address };
        Assert.Equal("ok\n", await client.GetStringAsync("healthz"));
    }

    [Fact]
    public async Task A_port_in_use_is_a_clear_error_naming_the_key()
    {
        await using var first = await TestConsole.StartAsync();
        using var feed = new ConsoleFeed();
        var listen = $"127.0.0.1:{first.Host.Address.Port}";
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ConsoleHost.StartAsync(new ConsoleOptions { Listen = listen }, feed));
        Assert.StartsWith($"web.listen = '{listen}': cannot listen:", error.Message);
    }

    [Fact]
    public async Task An_address_not_on_this_machine_is_a_clear_error()
    {
        using var feed = new ConsoleFeed();
        var options = new ConsoleOptions { Listen = "192.0.2.1:0", Token = "0123456789abcdef0123" };
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => ConsoleHost.StartAsync(options, feed));
        Assert.StartsWith("web.listen = '192.0.2.1:0': cannot listen:", error.Message);
    }

    [Fact]
    public async Task Invalid_disabled_or_mismatched_options_are_refused_before_binding()
    {
        using var feed = new ConsoleFeed(5);
        var invalid = await Assert.ThrowsAsync<ArgumentException>(() =>
            ConsoleHost.StartAsync(new ConsoleOptions { Listen = "0.0.0.0:0" }, feed));
        Assert.Contains("web.token", invalid.Message);
        var disabled = await Assert.ThrowsAsync<ArgumentException>(() =>
            ConsoleHost.StartAsync(new ConsoleOptions { Enabled = false, Listen = "127.0.0.1:0" }, feed));
        Assert.Contains("web.enabled is false", disabled.Message);
        var mismatch = await Assert.ThrowsAsync<ArgumentException>(() =>
            ConsoleHost.StartAsync(new ConsoleOptions { Listen = "127.0.0.1:0", Fps = 10 }, feed));
        Assert.Contains("web.fps = 10 but the feed was made for 5 fps", mismatch.Message);
    }

    [Fact]
    public async Task Logs_the_bound_address_through_the_daemons_logger_factory()
    {
        var lines = new List<string>();
        using var loggers = LoggerFactory.Create(builder => builder.AddProvider(new ListProvider(lines)));
        using var feed = new ConsoleFeed();
        await using var host = await ConsoleHost.StartAsync(new ConsoleOptions { Listen = "127.0.0.1:0" }, feed, loggers);
        lock (lines)
            Assert.Contains($"Console listening on {host.Address} (no token)", lines);
    }

    private sealed class ListProvider(List<string> lines) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new ListLogger(lines);

        public void Dispose()
        {
        }
    }

    private sealed class ListLogger(List<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            lock (lines)
                lines.Add(formatter(state, exception));
        }
    }
}
