using System.Reflection;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace MFuser.Edge.Web.Http;

/// <summary>The page's files, embedded in the assembly under <c>wwwroot/</c>, served from memory with an ETag.
/// Read once at start-up; no file system, no CDN.</summary>
internal sealed class StaticAssets
{
    private const string Prefix = "wwwroot/";

    private static readonly Dictionary<string, string> ContentTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        [".html"] = "text/html; charset=utf-8",
        [".css"] = "text/css; charset=utf-8",
        [".js"] = "text/javascript; charset=utf-8",
        [".svg"] = "image/svg+xml",
    };

    private readonly Dictionary<string, Asset> _assets;

    private StaticAssets(Dictionary<string, Asset> assets) => _assets = assets;

    /// <summary>URL paths served, e.g. <c>/</c>, <c>/console.js</c>.</summary>
    public IEnumerable<string> Paths => _assets.Keys;

    public static StaticAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var relative = name[Prefix.Length..].Replace('\\', '/');
            if (!ContentTypes.TryGetValue(Path.GetExtension(relative), out var type))
                throw new InvalidOperationException($"embedded console file '{relative}' has no known content type");
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var asset = new Asset(bytes, type, $"\"{Convert.ToHexStringLower(SHA256.HashData(bytes))[..16]}\"");
            assets["/" + relative] = asset;
            if (relative == "index.html")
                assets["/"] = asset;
        }
        return new StaticAssets(assets);
    }

    public Task ServeAsync(HttpContext context, string path)
    {
        var asset = _assets[path];
        var response = context.Response;
        response.Headers.ETag = asset.ETag;
        response.Headers.CacheControl = "no-cache";
        response.Headers.XContentTypeOptions = "nosniff";
        if (asset.ContentType.StartsWith("text/html", StringComparison.Ordinal))
        {
            response.Headers.ContentSecurityPolicy =
                "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'";
        }
        if (context.Request.Headers.IfNoneMatch == asset.ETag)
        {
            response.StatusCode = StatusCodes.Status304NotModified;
            return Task.CompletedTask;
        }
        response.ContentType = asset.ContentType;
        response.ContentLength = asset.Bytes.Length;
        return response.Body.WriteAsync(asset.Bytes, context.RequestAborted).AsTask();
    }

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
