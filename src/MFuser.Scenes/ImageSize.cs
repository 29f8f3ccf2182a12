using System.Globalization;

namespace MFuser.Scenes;

/// <summary>An image size written <c>WIDTHxHEIGHT</c> (e.g. <c>512x256</c>) on command lines and in URIs.</summary>
public readonly record struct ImageSize(int Width, int Height)
{
    public override string ToString() => $"{Width}x{Height}";

    /// <summary>Parses <c>WIDTHxHEIGHT</c>; both sides must lie in 16..8192.</summary>
    /// <exception cref="FormatException">The text is not of that form; the message quotes it.</exception>
    public static ImageSize Parse(string text)
    {
        var parts = text.Trim().ToLowerInvariant().Split('x');
        if (parts.Length == 2
            && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
            && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h))
        {
            if (w is >= 16 and <= 8192 && h is >= 16 and <= 8192) return new ImageSize(w, h);
            throw new FormatException($"size '{text}': each side must be 16..8192 pixels");
        }
        throw new FormatException($"size '{text}' is not WIDTHxHEIGHT (e.g. 512x256)");
    }
}
