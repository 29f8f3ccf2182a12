using System.Text.RegularExpressions;

namespace MFuser.Edge.Core.Config;

/// <summary>Keeps secrets out of error messages and logs: the value of a secret key is never shown, and a URL's
/// userinfo password (<c>scheme://user:password@host</c>) is shown as <c>***</c> (docs/configuration.md).</summary>
public static partial class Secrets
{
    /// <summary>What a hidden value is shown as.</summary>
    public const string Mask = "***";

    /// <summary><paramref name="text"/> with the password of every <c>scheme://user:password@</c> replaced by
    /// <see cref="Mask"/>; the user name and the rest are kept, so the message still says which endpoint it is.</summary>
    public static string RedactUrls(string text) =>
        text.Contains("://", StringComparison.Ordinal) ? UserInfoPassword().Replace(text, "$1:" + Mask + "@") : text;

    /// <summary>How the value of configuration key <paramref name="key"/> may appear in a message: hidden for a
    /// secret key (an empty one shows as empty: nothing to hide, and it tells the user it is unset); otherwise URL passwords masked, control characters and lone surrogates escaped as <c>\uXXXX</c>
    /// (so a hostile value cannot drive the terminal) and cut after <see cref="MaxShown"/> characters.</summary>
    public static string? ForDisplay(string key, string? value) =>
        value is null ? null : ConfigSchema.Find(key) is { Secret: true } ? (value.Length == 0 ? "" : Mask) : Printable(value);

    /// <summary>Longest value shown in a message.</summary>
    public const int MaxShown = 200;

    /// <summary>Longest explanation of a problem shown in a message (it may quote a value in its own words).</summary>
    public const int MaxExplained = 1000;

    /// <summary><paramref name="text"/> made safe for one line of a terminal or log: URL passwords masked, control
    /// characters (newlines included) and lone surrogates escaped as <c>\uXXXX</c>, cut after
    /// <paramref name="max"/> characters.</summary>
    public static string Printable(string text, int max = MaxShown)
    {
        text = RedactUrls(text);
        var shown = new System.Text.StringBuilder(Math.Min(text.Length, max) + 32);
        var i = 0;
        for (; i < text.Length && shown.Length < max; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                shown.Append(c).Append(text[++i]);
            else if (char.IsControl(c) || char.IsSurrogate(c))
                shown.Append($"\\u{(int)c:X4}");
            else
                shown.Append(c);
        }
        return i < text.Length ? $"{shown}… ({text.Length} characters)" : shown.ToString();
    }

    // scheme://user:password@ — the user ends at the first ':'; the password runs to the last '@' before whitespace, so
    // an unencoded '@' or '/' in it is masked too (at worst more than the password is hidden, never less).
    [GeneratedRegex(@"([A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:]*):\S*@")]
    private static partial Regex UserInfoPassword();
}
