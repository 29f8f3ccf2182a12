using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace MFuser.Edge.Web.Http;

/// <summary>Checks <c>web.token</c> on every request but <c>/healthz</c>: <c>Authorization: Bearer &lt;token&gt;</c>
/// or <c>?token=</c> (for the &lt;img&gt; stream, which cannot send headers). Both sides are hashed before a
/// fixed-time comparison, so neither the content nor the length of the token leaks through timing.</summary>
internal sealed class TokenGate
{
    public const string OpenPath = "/healthz";

    private readonly byte[]? _expected;

    public TokenGate(string token) => _expected = token.Length == 0 ? null : Hash(token);

    public bool Required => _expected is not null;

    public bool Allows(HttpRequest request)
    {
        if (_expected is null || request.Path.Equals(OpenPath, StringComparison.Ordinal))
            return true;
        var presented = Presented(request);
        return presented is not null && CryptographicOperations.FixedTimeEquals(Hash(presented), _expected);
    }

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        if (Allows(context.Request))
        {
            await next(context);
            return;
        }
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"mfuser-edge\"";
        await JsonResponses.ErrorAsync(context, StatusCodes.Status401Unauthorized, "unauthorized",
            "this console needs its token: send 'Authorization: Bearer <token>' or add ?token=<token> to the URL");
    }

    private static string? Presented(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return header["Bearer ".Length..].Trim();
        StringValues query = request.Query["token"];
        return query.Count == 1 ? query[0] : null;
    }

    private static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}
