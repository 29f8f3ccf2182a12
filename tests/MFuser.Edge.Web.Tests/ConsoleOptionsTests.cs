namespace MFuser.Edge.Web.Tests;

public class ConsoleOptionsTests
{
    private const string GoodToken = "0123456789abcdef0123";

    [Fact]
    public void Defaults_are_valid_and_on_loopback_port_8080_at_5_fps()
    {
        var options = new ConsoleOptions();
        Assert.Empty(options.Validate());
        Assert.True(options.Enabled);
        Assert.Equal("127.0.0.1:8080", options.Listen);
        Assert.Equal(5, options.Fps);
        Assert.Equal("", options.Token);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "")]
    [InlineData("127.0.0.1:0", "")]
    [InlineData("localhost:9000", "")]
    [InlineData("[::1]:8080", "")]
    [InlineData("127.1.2.3:80", "")]
    [InlineData("0.0.0.0:8080", GoodToken)]
    [InlineData("[::]:8080", GoodToken)]
    [InlineData("192.168.1.20:65535", GoodToken)]
    [InlineData("127.0.0.1:8080", GoodToken)]
    public void Accepts(string listen, string token) =>
        Assert.Empty(new ConsoleOptions { Listen = listen, Token = token }.Validate());

    [Theory]
    [InlineData("", "web.listen", "the port is missing")]
    [InlineData("8080", "web.listen", "the port is missing")]
    [InlineData("127.0.0.1", "web.listen", "the port is missing")]
    [InlineData("127.0.0.1:65536", "web.listen", "a port from 0 to 65535, not '65536'")]
    [InlineData("127.0.0.1:-1", "web.listen", "a port from 0 to 65535, not '-1'")]
    [InlineData("127.0.0.1:http", "web.listen", "a port from 0 to 65535, not 'http'")]
    [InlineData("127.0.0.1:", "web.listen", "a port from 0 to 65535, not ''")]
    [InlineData("::1:8080", "web.listen", "an IPv6 address in brackets")]
    [InlineData("[::1]8080", "web.listen", "followed by :port")]
    [InlineData("[127.0.0.1]:8080", "web.listen", "'127.0.0.1' is not an IPv6 address")]
    [InlineData("edge.local:8080", "web.listen", "not 'edge.local' (host names other than localhost are not resolved)")]
    [InlineData("127.1:8080", "web.listen", "an IP address, not '127.1'")]
    [InlineData("300.0.0.1:8080", "web.listen", "an IP address, not '300.0.0.1'")]
    [InlineData("*:8080", "web.listen", "an IP address, not '*'")]
    public void Rejects_listen_values_naming_key_value_and_expectation(string listen, string key, string expected)
    {
        var problem = Assert.Single(new ConsoleOptions { Listen = listen }.Validate());
        Assert.Equal(key, problem.Key);
        Assert.Equal(listen, problem.Value);
        Assert.Contains(expected, problem.Expected);
        Assert.Contains("allowed: host:port", problem.Expected);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(0.1)]
    [InlineData(30.5)]
    [InlineData(-5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Rejects_fps_outside_0_2_to_30(double fps)
    {
        var problem = Assert.Single(new ConsoleOptions { Fps = fps }.Validate());
        Assert.Equal("web.fps", problem.Key);
        Assert.Equal("a number from 0.2 to 30", problem.Expected);
    }

    [Theory]
    [InlineData("0.0.0.0:8080")]
    [InlineData("[::]:8080")]
    [InlineData("10.0.0.5:8080")]
    public void Requires_a_token_beyond_loopback(string listen)
    {
        var problem = Assert.Single(new ConsoleOptions { Listen = listen }.Validate());
        Assert.Equal("web.token", problem.Key);
        Assert.Contains($"web.listen = '{listen}' is reachable from other machines", problem.Expected);
    }

    [Fact]
    public void A_disabled_console_needs_no_token_but_its_values_are_still_checked()
    {
        Assert.Empty(new ConsoleOptions { Enabled = false, Listen = "0.0.0.0:8080" }.Validate());
        var problem = Assert.Single(new ConsoleOptions { Enabled = false, Listen = "0.0.0.0" }.Validate());
        Assert.Equal("web.listen", problem.Key);
    }

    [Theory]
    [InlineData("short")]
    [InlineData("0123456789abcdef 0123")]
    [InlineData("0123456789abcdef&0123")]
    [InlineData("0123456789abcdef0123ä")]
    public void Rejects_malformed_tokens_without_repeating_them(string token)
    {
        var problem = Assert.Single(new ConsoleOptions { Token = token }.Validate());
        Assert.Equal("web.token", problem.Key);
        Assert.Equal($"(hidden, {token.Length} characters)", problem.Value);
        Assert.DoesNotContain(token, problem.ToString());
        Assert.Contains("16 to 256 characters", problem.Expected);
    }

    [Fact]
    public void Reports_every_problem_at_once()
    {
        var problems = new ConsoleOptions { Listen = "0.0.0.0:99999", Fps = 0, Token = "x" }.Validate();
        Assert.Equal(["web.listen", "web.fps", "web.token"], problems.Select(p => p.Key));
    }

    [Fact]
    public void ToString_hides_the_token()
    {
        var text = new ConsoleOptions { Token = GoodToken }.ToString();
        Assert.DoesNotContain(GoodToken, text);
        Assert.Contains("(hidden, 20 characters)", text);
    }

    [Fact]
    public void Problem_reads_as_one_line_for_the_config_loader() =>
        Assert.Equal("web.fps = '0' is not allowed: expected a number from 0.2 to 30",
            Assert.Single(new ConsoleOptions { Fps = 0 }.Validate()).ToString());
}
