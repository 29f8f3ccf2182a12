namespace MFuser.Edge.Core.Control;

/// <summary>Why a control message was rejected: the machine-readable <c>reason</c> of an error result and the key of
/// <c>stats.control.rejected_by_reason</c> (docs/mqtt-api.md). A fixed set, so hostile input cannot grow the stats.</summary>
public static class RejectReason
{
    /// <summary>No setting of that name.</summary>
    public const string UnknownSetting = "unknown_setting";

    /// <summary>No command of that name.</summary>
    public const string UnknownCommand = "unknown_command";

    /// <summary>A known command this device cannot run (e.g. snapshots without a field log).</summary>
    public const string NotAvailable = "not_available";

    /// <summary>The payload is larger than the setting or command allows.</summary>
    public const string TooLarge = "too_large";

    /// <summary>The payload is not valid UTF-8.</summary>
    public const string InvalidUtf8 = "invalid_utf8";

    /// <summary>A command payload that is not a JSON object of strings (or holds an escape that is not valid Unicode).</summary>
    public const string InvalidJson = "invalid_json";

    /// <summary>Well-formed, but a value the schema does not allow.</summary>
    public const string InvalidValue = "invalid_value";

    /// <summary>A valid command beyond its per-minute limit.</summary>
    public const string RateLimited = "rate_limited";

    /// <summary>The setting or command level of the topic is longer than <see cref="ControlSchema.MaxNameLength"/>: no result
    /// topic is made from it, so the message is counted but not answered.</summary>
    public const string NameTooLong = "name_too_long";

    private static readonly string[] Reasons =
        [UnknownSetting, UnknownCommand, NotAvailable, TooLarge, InvalidUtf8, InvalidJson, InvalidValue, RateLimited, NameTooLong];

    /// <summary>Every reason, in the order stats list them.</summary>
    public static IReadOnlyList<string> All => Reasons;

    /// <summary>The position of <paramref name="reason"/> in <see cref="All"/>; -1 if it is not one.</summary>
    internal static int IndexOf(string reason) => Array.IndexOf(Reasons, reason);
}
