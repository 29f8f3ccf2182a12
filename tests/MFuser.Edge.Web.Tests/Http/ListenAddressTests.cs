using System.Net;
using MFuser.Edge.Web.Http;

namespace MFuser.Edge.Web.Tests.Http;

public class ListenAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1", 8080, true)]
    [InlineData(" 127.0.0.1:0 ", "127.0.0.1", 0, true)]
    [InlineData("LOCALHOST:81", "127.0.0.1", 81, true)]
    [InlineData("0.0.0.0:8080", "0.0.0.0", 8080, false)]
    [InlineData("[::1]:8080", "::1", 8080, true)]
    [InlineData("[::]:1", "::", 1, false)]
    [InlineData("[fe80::1%2]:8080", "fe80::1%2", 8080, false)]
    public void Parses_addresses_and_ports(string text, string address, int port, bool loopback)
    {
        Assert.True(ListenAddress.TryParse(text, out var parsed, out var problem), problem);
        Assert.Equal(IPAddress.Parse(address), parsed!.Address);
        Assert.Equal(port, parsed.Port);
        Assert.Equal(loopback, parsed.IsLoopback);
    }

    [Theory]
    [InlineData("127.0.0.1:8080", "127.0.0.1:8080")]
    [InlineData("[::1]:8080", "[::1]:8080")]
    public void Writes_a_url_authority(string text, string authority)
    {
        Assert.True(ListenAddress.TryParse(text, out var parsed, out _));
        Assert.Equal(authority, parsed!.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("127.0.0.1:123456")]
    [InlineData("127.0.0.1:+80")]
    [InlineData("[::1]")]
    [InlineData("1.2.3:80")]
    public void Refuses(string? text)
    {
        Assert.False(ListenAddress.TryParse(text, out var parsed, out var problem));
        Assert.Null(parsed);
        Assert.NotEmpty(problem);
    }
}
