using System.Net;
using MFuser.Edge.Web.Http;
using MFuser.Edge.Web.Tests.Support;

namespace MFuser.Edge.Web.Tests.Http;

public class StaticAssetsTests
{
    [Fact]
    public void Embeds_the_page_and_serves_index_at_the_root()
    {
        var assets = StaticAssets.Load(typeof(ConsoleHost).Assembly);
        Assert.Equal(["/", "/console.css", "/console.js", "/favicon.svg", "/index.html"], assets.Paths.Order());
    }

    [Fact]
    public async Task The_page_is_html_with_a_same_origin_content_security_policy()
    {
        await using var console = await TestConsole.StartAsync();
        using var response = await console.Client.GetAsync("/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<img id=\"video\" src=\"stream/overlay\"", html);
        Assert.DoesNotContain("http://", html);
        Assert.DoesNotContain("https://", html);
        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single());
    }

    [Theory]
    [InlineData("console.js", "text/javascript")]
    [InlineData("console.css", "text/css")]
    [InlineData("favicon.svg", "image/svg+xml")]
    public async Task Files_carry_their_type_and_an_etag_that_revalidates(string path, string type)
    {
        await using var console = await TestConsole.StartAsync();
        using var first = await console.Client.GetAsync(path);
        Assert.Equal(type, first.Content.Headers.ContentType?.MediaType);
        var etag = first.Headers.ETag;
        Assert.NotNull(etag);
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.IfNoneMatch.Add(etag);
        using var second = await console.Client.SendAsync(request);
        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
    }
}
