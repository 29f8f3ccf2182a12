using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;
using MFuser.Edge.Web.Http;
using MFuser.Edge.Web.Tests.Support;

namespace MFuser.Edge.Web.Tests.Http;

public class TokenGateTests
{
    private const string Token = "s3cret-token_0123456789";

    [Theory]
    [InlineData("Bearer " + Token, null, true)]
    [InlineData("bearer " + Token, null, true)]
    [InlineData(null, Token, true)]
    [InlineData("Bearer wrong-token-0123456789", null, false)]
    [InlineData("Bearer " + Token + "x", null, false)]
    [InlineData("Basic " + Token, null, false)]
    [InlineData(null, "wrong", false)]
    [InlineData(null, null, false)]
    public void Checks_bearer_header_or_query(string? authorization, string? query, bool allowed)
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/info";
        if (authorization is not null)
            context.Request.Headers.Authorization = authorization;
        if (query is not null)
            context.Request.QueryString = QueryString.Create("token", query);
        Assert.Equal(allowed, new TokenGate(Token).Allows(context.Request));
    }

    [Fact]
    public void Without_a_token_everything_is_open()
    {
        var context = new DefaultHttpContext();
        context.Request.Path = "/api/info";
        Assert.False(new TokenGate("").Required);
        Assert.True(new TokenGate("").Allows(context.Request));
    }

    [Theory]
    [InlineData("api/console")]
    [InlineData("readyz")]
    [InlineData("metrics")]
    [InlineData("/")]
    [InlineData("stream/overlay")]
    public async Task A_console_with_a_token_refuses_requests_without_it(string path)
    {
        await using var console = await TestConsole.StartAsync(Token);
        using var missing = await console.Client.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, missing.StatusCode);
        Assert.Equal("Bearer", missing.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("\"error\":\"unauthorized\"", await missing.Content.ReadAsStringAsync());
        using var wrong = await console.Client.GetAsync(path + "?token=not-the-token-0000000");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }

    [Fact]
    public async Task A_console_with_a_token_serves_bearer_and_query_requests_and_keeps_healthz_open()
    {
        await using var console = await TestConsole.StartAsync(Token);
        using (var request = new HttpRequestMessage(HttpMethod.Get, "api/console"))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            using var bearer = await console.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, bearer.StatusCode);
        }
        using (var query = await console.Client.GetAsync($"api/console?token={Token}"))
            Assert.Equal(HttpStatusCode.OK, query.StatusCode);
        using (var health = await console.Client.GetAsync("healthz"))
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }
}
