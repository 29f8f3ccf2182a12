using System.Text;

namespace MFuser.Edge.Core.Config;

/// <summary>Rules for <c>broker.topic_prefix</c>. A prefix a broker would refuse or treat specially makes the daemon
/// be disconnected or ignored without a word, so it is refused at start-up instead (docs/configuration.md):
/// no wildcards (<c>+</c>, <c>#</c>), no leading <c>$</c> (<c>$SYS</c>, <c>$share</c> are the broker's), no empty
/// level, no control character, noncharacter or lone surrogate, and at most <see cref="MaxBytes"/> bytes of UTF-8.</summary>
public static class TopicPrefix
{
    /// <summary>Longest prefix in UTF-8 bytes. With a device id of at most 64 bytes and our longest suffix
    /// (<c>/segmentation_hz/state</c>, <c>/cmd/mark_event/result</c>: under 64 bytes) every topic we publish or
    /// subscribe to stays under 400 bytes — far below MQTT's 65,535 and within common broker limits.</summary>
    public const int MaxBytes = 256;

    public const string Allowed =
        "1-256 bytes of topic levels separated by '/', without wildcards (+ #), a leading '$', empty levels or control characters";

    public static bool IsValid(string prefix) => Problem(prefix) is null;

    /// <summary>Why <paramref name="prefix"/> is refused, or null when it is fine.</summary>
    public static string? Problem(string prefix)
    {
        if (prefix.Length == 0)
            return "empty";
        if (prefix.StartsWith('$'))
            return "starts with '$': topics beginning with '$', such as $SYS and $share, belong to the broker";
        if (prefix.StartsWith('/') || prefix.EndsWith('/') || prefix.Contains("//", StringComparison.Ordinal))
            return "has an empty topic level: a leading, trailing or doubled '/'";
        if (prefix.IndexOfAny(['+', '#']) >= 0)
            return "contains a wildcard, '+' or '#'";
        for (var i = 0; i < prefix.Length; i++)
        {
            var c = prefix[i];
            if (char.IsHighSurrogate(c) && i + 1 < prefix.Length && char.IsLowSurrogate(prefix[i + 1]))
            {
                i++;
                continue;
            }
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF' or (>= '\uFDD0' and <= '\uFDEF'))
                return $"contains the character U+{(int)c:X4} at position {i}: control characters, noncharacters and lone surrogates are not allowed";
        }
        var bytes = Encoding.UTF8.GetByteCount(prefix);
        return bytes > MaxBytes ? $"is {bytes} bytes of UTF-8, more than {MaxBytes}" : null;
    }
}
