using System.Globalization;
using System.Text;

namespace MFuser.Edge.Web.Tests.Support;

/// <summary>Reads the parts of a <c>multipart/x-mixed-replace</c> body straight off the response stream, checking the
/// framing byte by byte: boundary line, part headers, exactly Content-Length bytes, CRLF.</summary>
internal sealed class MjpegReader(Stream body, string boundary)
{
    public async Task<Part> ReadPartAsync(CancellationToken cancel)
    {
        Assert.Equal("--" + boundary, await ReadLineAsync(cancel));
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        for (var line = await ReadLineAsync(cancel); line.Length > 0; line = await ReadLineAsync(cancel))
        {
            var colon = line.IndexOf(':');
            Assert.True(colon > 0, $"not a part header: '{line}'");
            headers[line[..colon]] = line[(colon + 1)..].Trim();
        }
        var length = int.Parse(headers["Content-Length"], CultureInfo.InvariantCulture);
        var data = new byte[length];
        await body.ReadExactlyAsync(data, cancel);
        Assert.Equal("", await ReadLineAsync(cancel));
        return new Part(headers, data);
    }

    private async Task<string> ReadLineAsync(CancellationToken cancel)
    {
        var line = new StringBuilder();
        var one = new byte[1];
        while (true)
        {
            await body.ReadExactlyAsync(one, cancel);
            if (one[0] == '\r')
            {
                await body.ReadExactlyAsync(one, cancel);
                Assert.Equal((byte)'\n', one[0]);
                return line.ToString();
            }
            line.Append((char)one[0]);
        }
    }

    public sealed record Part(IReadOnlyDictionary<string, string> Headers, byte[] Data)
    {
        public long Frame => long.Parse(Headers["X-Frame"], CultureInfo.InvariantCulture);
    }
}
