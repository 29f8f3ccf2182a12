namespace MFuser.Edge.FieldLog.Quota;

/// <summary>What a field-log file holds, read from its name (<c>&lt;UTC time&gt;-&lt;reason&gt;.mcap</c>); decides
/// which share of the quota it uses and which files may be deleted to make room for it.</summary>
public enum LogFileKind
{
    /// <summary><c>…-episode-&lt;id&gt;….mcap</c>: a domain-shift episode, the evidence the recorder exists for.</summary>
    Episode,
    /// <summary><c>…-manual….mcap</c> (and any other name): a recording someone switched on.</summary>
    Manual,
    /// <summary><c>…-snapshot-&lt;label&gt;….mcap</c>: the pre-trigger ring written on command.</summary>
    Snapshot,
}

/// <summary>Reads a <see cref="LogFileKind"/> from a file name.</summary>
public static class LogFileKinds
{
    public static LogFileKind Of(string fileName)
    {
        var name = Path.GetFileName(fileName);
        // The reason follows the fixed-width UTC stamp (yyyyMMddTHHmmss.fffZ-), so a label cannot fake another kind.
        var reason = name.Length > 21 && name[20] == '-' ? name[21..] : name;
        return reason.StartsWith("snapshot-", StringComparison.Ordinal) ? LogFileKind.Snapshot
            : reason.StartsWith("episode-", StringComparison.Ordinal) ? LogFileKind.Episode
            : LogFileKind.Manual;
    }
}
