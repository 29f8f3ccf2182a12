using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace MFuser.Edge.Core.DomainShift;

/// <summary>
/// Remembers, beside the must-deliver spool, the last <c>domain_shift</c> event of an episode that is still open, so
/// that an episode cut by a crash (<c>kill -9</c>, power loss) gets its <c>end</c> event on the next start with
/// <c>end_reason: "restart"</c> (docs/field-logging.md §4). Written only when an event reaches the must-deliver
/// store (rare), atomically (temporary file, fsync, rename); removed when the episode ends.
/// </summary>
public sealed class OpenEpisodeFile(string directory)
{
    /// <summary>File name inside the spool directory.</summary>
    public const string FileName = "open-episode.json";

    public string Path { get; } = System.IO.Path.Combine(directory, FileName);

    /// <summary>Records <paramref name="eventJson"/> (a <c>new</c> or <c>update</c> event) as the open episode's
    /// latest state, or forgets it when the event is the episode's <c>end</c>.</summary>
    public void Track(ReadOnlySpan<byte> eventJson, bool episodeOpen)
    {
        if (!episodeOpen)
        {
            File.Delete(Path);
            return;
        }
        var temporary = Path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            file.Write(eventJson);
            file.Flush(flushToDisk: true);
        }
        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>
    /// The <c>end</c> event of an episode a previous run left open, or null when none was. It continues the last
    /// recorded event: the next sequence number, <c>ended_at</c> = that event's capture time (the last moment the
    /// episode is known to have been open), <c>end_reason: "restart"</c>; scores, signals and GPS as recorded.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not an event this class wrote; the message says what is wrong.</exception>
    public byte[]? EndLeftOver()
    {
        if (!File.Exists(Path))
            return null;
        JsonObject last;
        try
        {
            last = JsonNode.Parse(File.ReadAllBytes(Path)) as JsonObject ?? throw new InvalidDataException($"{Path}: expected a JSON object");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{Path}: not JSON ({e.Message})");
        }
        var episode = Text(last, "episode_id");
        var sequence = last["seq"] is JsonValue seq && seq.TryGetValue(out int s) && s >= 0 ? s + 1
            : throw new InvalidDataException($"{Path}: expected a non-negative integer 'seq'");
        var captured = Time(last, "captured_at");
        var started = Time(last, "started_at");
        last["event"] = "end";
        last["seq"] = sequence;
        last["event_id"] = $"{episode}/{sequence}";
        last["ended_at"] = Text(last, "captured_at");
        last["end_reason"] = "restart";
        last["duration_s"] = Math.Round(Math.Max(0, (captured - started).TotalSeconds), 3);
        return JsonSerializer.SerializeToUtf8Bytes(last);
    }

    /// <summary>Forgets the open episode (after its closing event reached the must-deliver store, or when the file was
    /// unreadable).</summary>
    public void Clear() => File.Delete(Path);

    private string Text(JsonObject o, string key) =>
        o[key] is JsonValue v && v.TryGetValue(out string? text) && text.Length > 0 ? text
            : throw new InvalidDataException($"{Path}: expected a string '{key}'");

    private DateTimeOffset Time(JsonObject o, string key) =>
        DateTimeOffset.TryParse(Text(o, key), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var t) ? t
            : throw new InvalidDataException($"{Path}: '{key}' is not an RFC 3339 time");
}
