using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace MFuser.Edge.Web.Http;

/// <summary>JSON bodies the console writes itself: errors with a stable code and a sentence for people, and
/// documents built with a <see cref="Utf8JsonWriter"/>.</summary>
internal static class JsonResponses
{
    public const string ContentType = "application/json";

    /// <summary>Writes <c>{"status":…,"error":"code","message":"…"}</c> with the status code (and Retry-After).</summary>
    public static Task ErrorAsync(HttpContext context, int status, string code, string message, int retryAfterSeconds = 0)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.Headers.CacheControl = "no-store";
        if (retryAfterSeconds > 0)
            response.Headers.RetryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return WriteAsync(context, writer =>
        {
            writer.WriteStartObject();
            writer.WriteNumber("status", status);
            writer.WriteString("error", code);
            writer.WriteString("message", message);
            writer.WriteEndObject();
        });
    }

    /// <summary>Writes the document <paramref name="build"/> produces as the response body.</summary>
    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> build)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
            build(writer);
        await WriteBytesAsync(context, buffer.WrittenMemory);
    }

    /// <summary>Writes ready-made JSON bytes (a payload exactly as published).</summary>
    public static Task WriteBytesAsync(HttpContext context, ReadOnlyMemory<byte> json)
    {
        var response = context.Response;
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-store";
        response.ContentLength = json.Length;
        return response.Body.WriteAsync(json, context.RequestAborted).AsTask();
    }
}
