using System.Globalization;
using System.Text.Json;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Files;

namespace MFuser.Edge.Episodes;

/// <summary>A GPS position (WGS84 degrees).</summary>
internal readonly record struct GeoPoint(double Lat, double Lon);

/// <summary>A time-stamped value of a drive: a shift score or a GPS fix.</summary>
internal readonly record struct Sample<T>(DateTimeOffset Time, T Value);

/// <summary>One shift episode as its events in the field log tell it (docs/field-logging.md, "Episode review").</summary>
/// <param name="End">The <c>end</c> event's <c>ended_at</c>; null while the log has no end event for it.</param>
/// <param name="LastSeen">The newest event's capture time (the end of an episode the log does not close).</param>
/// <param name="Files">The field-log files that hold its events, oldest first.</param>
internal sealed record Episode(string Id, DateTimeOffset Start, DateTimeOffset? End, DateTimeOffset LastSeen, double PeakScore, string Dominant,
    string? EndReason, GeoPoint? GpsStart, GeoPoint? GpsEnd, IReadOnlyList<string> Files)
{
    public DateTimeOffset Until => End ?? LastSeen;
    public TimeSpan Duration => Until - Start;
}

/// <summary>A field-log file that could not be read, and why.</summary>
internal sealed record SkippedFile(string Path, string Reason);

/// <summary>
/// What a directory of field-log MCAP files says about a drive: the episodes (from <c>/domain_shift/events</c>, events
/// de-duplicated by <c>event_id</c> since a pre-trigger ring can repeat them in a later file), the shift-score series
/// (<c>/domain_shift/signals</c>), the GPS track (<c>/gps</c>) and the class table of the label maps. Files are read with
/// the strict <see cref="McapReader"/>; a file it rejects is skipped and named in <see cref="Skipped"/>.
/// </summary>
internal sealed class DriveLog
{
    private DriveLog(string directory, IReadOnlyList<string> files, IReadOnlyList<string> unfinished, IReadOnlyList<SkippedFile> skipped,
        IReadOnlyList<Episode> episodes, IReadOnlyList<Sample<double>> scores, IReadOnlyList<Sample<GeoPoint>> track,
        IReadOnlyList<ClassInfo> classes)
    {
        Directory = directory;
        Files = files;
        Unfinished = unfinished;
        Skipped = skipped;
        Episodes = episodes;
        Scores = scores;
        Track = track;
        Classes = classes;
    }

    public string Directory { get; }

    /// <summary>The files read, oldest first.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>Files read although their writer never finished them (the daemon was killed, lost power, or is still
    /// recording): what they hold up to their first torn record. An episode that was open then shows as open.</summary>
    public IReadOnlyList<string> Unfinished { get; }

    public IReadOnlyList<SkippedFile> Skipped { get; }

    /// <summary>Episodes by start time.</summary>
    public IReadOnlyList<Episode> Episodes { get; }

    public IReadOnlyList<Sample<double>> Scores { get; }
    public IReadOnlyList<Sample<GeoPoint>> Track { get; }

    /// <summary>The label maps' class table (the label channel's <c>classes</c> metadata; Cityscapes without it).</summary>
    public IReadOnlyList<ClassInfo> Classes { get; }

    /// <summary>Reads every <c>*.mcap</c> file in <paramref name="directory"/>.</summary>
    /// <exception cref="EpisodeReviewException">The directory is missing, holds no MCAP file, or none is readable.</exception>
    public static DriveLog Load(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
            throw new EpisodeReviewException($"{directory}: field-log directory not found");
        var paths = System.IO.Directory.GetFiles(directory, "*.mcap").Order(StringComparer.Ordinal).ToList();
        if (paths.Count == 0)
            throw new EpisodeReviewException($"{directory}: no .mcap files (expected the field_log.dir of a drive)");
        var reader = new Accumulator();
        var skipped = new List<SkippedFile>();
        var read = new List<string>();
        var unfinished = new List<string>();
        foreach (var path in paths)
        {
            // A FIFO would block the read for ever and a link to /dev/zero would fill memory: only regular files are read.
            if (RegularFile.Problem(path) is { } notRegular)
            {
                skipped.Add(new SkippedFile(path, $"{notRegular}"));
                continue;
            }
            try
            {
                var file = McapReader.ReadFinishedOrNot(path, Accumulator.Topics);
                reader.Add(path, file);
                read.Add(path);
                if (!file.Finished)
                    unfinished.Add(path);
            }
            catch (Exception e) when (e is InvalidDataException or JsonException or IOException or FormatException or KeyNotFoundException
                                          or InvalidOperationException or ArgumentException or IndexOutOfRangeException
                                          or UnauthorizedAccessException or OverflowException)
            {
                skipped.Add(new SkippedFile(path, e.Message));
            }
        }
        if (read.Count == 0)
            throw new EpisodeReviewException(skipped.Count == 1
                ? $"{skipped[0].Path}: not a readable field log: {skipped[0].Reason}"
                : $"{directory}: none of the {skipped.Count} .mcap files is readable (first: {skipped[0].Path}: {skipped[0].Reason})");
        return new DriveLog(directory, read, unfinished, skipped, reader.Episodes(), reader.Scores, reader.Track,
            reader.Classes ?? Cityscapes.Classes);
    }

    /// <summary>The episode whose id is <paramref name="id"/> or starts with it (unique).</summary>
    /// <exception cref="EpisodeReviewException">No episode or more than one matches.</exception>
    public Episode Find(string id)
    {
        if (id.Length == 0)
            throw new EpisodeReviewException("an episode id (or a unique prefix of one) is required; list them with 'mfuser-edge episodes DIR'");
        var matches = Episodes.Where(e => e.Id == id).ToList() is { Count: 1 } exact
            ? exact
            : Episodes.Where(e => e.Id.StartsWith(id, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new EpisodeReviewException($"{Directory}: no episode '{id}' (episodes: {string.Join(", ", Episodes.Select(e => e.Id))})"),
            _ => throw new EpisodeReviewException($"episode id '{id}' is ambiguous: {string.Join(", ", matches.Select(e => e.Id))}"),
        };
    }

    /// <summary>Collects one file after another (JSON of the events, signals and GPS channels).</summary>
    private sealed class Accumulator
    {
        /// <summary>The topics it reads: images stay on disk until an export asks for them.</summary>
        public static readonly IReadOnlySet<string> Topics = new HashSet<string> { "/domain_shift/events", "/domain_shift/signals", "/gps" };

        private readonly Dictionary<string, List<EventFacts>> _events = [];
        private readonly HashSet<string> _eventIds = [];
        private readonly HashSet<long> _scoreTimes = [], _fixTimes = [];
        public List<Sample<double>> Scores { get; } = [];
        public List<Sample<GeoPoint>> Track { get; } = [];
        public IReadOnlyList<ClassInfo>? Classes { get; private set; }

        public void Add(string path, McapFile file)
        {
            // Parse all of a file before keeping any of it, so that a file that fails half-way adds nothing.
            var events = Json(file, "/domain_shift/events").ToList();
            var signals = Json(file, "/domain_shift/signals").ToList();
            var fixes = Json(file, "/gps").ToList();
            var classes = file.Channels.FirstOrDefault(c => c.Topic == "/segmentation/labels")?.Metadata.GetValueOrDefault("classes") is { } table
                ? ClassTable(table)
                : null;
            // Every member the summary needs is read here, inside the file's own try: a file of another layout is skipped whole.
            var facts = events.Select(e => (EventId: e.Json.GetProperty("event_id").GetString()!,
                EpisodeId: e.Json.GetProperty("episode_id").GetString()!, Facts: EventFacts.Of(e.Json, path))).ToList();
            foreach (var (eventId, episodeId, fact) in facts)
                if (_eventIds.Add(eventId))
                {
                    if (!_events.TryGetValue(episodeId, out var list))
                        _events[episodeId] = list = [];
                    list.Add(fact);
                }
            foreach (var (time, s) in signals)
                if (s.GetProperty("score") is { ValueKind: JsonValueKind.Number } score && _scoreTimes.Add(time))
                    Scores.Add(new Sample<double>(FromNs(time), score.GetDouble()));
            foreach (var (time, f) in fixes)
                if (_fixTimes.Add(time))
                    Track.Add(new Sample<GeoPoint>(FromNs(time),
                        new GeoPoint(f.GetProperty("latitude").GetDouble(), f.GetProperty("longitude").GetDouble())));
            Classes ??= classes;
        }

        public List<Episode> Episodes()
        {
            Scores.Sort((a, b) => a.Time.CompareTo(b.Time));
            Track.Sort((a, b) => a.Time.CompareTo(b.Time));
            return _events.Select(p => Summarize(p.Key, p.Value)).OrderBy(e => e.Start).ToList();
        }

        private static Episode Summarize(string id, List<EventFacts> events)
        {
            var ordered = events.OrderBy(e => e.Seq).ToList();
            var first = ordered[0];
            var end = ordered.FirstOrDefault(e => e.Kind == "end");
            var peak = ordered.MaxBy(e => e.PeakScore)!;
            return new Episode(id, first.StartedAt, end?.EndedAt, ordered.Max(e => e.CapturedAt), peak.PeakScore, peak.Dominant, end?.EndReason,
                first.Gps, ordered[^1].Gps, ordered.Select(e => e.File).Distinct().Order(StringComparer.Ordinal).ToList());
        }

        /// <summary>What the summary uses of one <c>domain_shift</c> event.</summary>
        private sealed record EventFacts(int Seq, string Kind, double PeakScore, string Dominant, DateTimeOffset StartedAt,
            DateTimeOffset CapturedAt, DateTimeOffset? EndedAt, string? EndReason, GeoPoint? Gps, string File)
        {
            /// <exception cref="KeyNotFoundException">A member is missing.</exception>
            /// <exception cref="FormatException">A time does not parse.</exception>
            /// <exception cref="InvalidOperationException">A member has the wrong JSON type.</exception>
            public static EventFacts Of(JsonElement e, string file)
            {
                var kind = e.GetProperty("event").GetString()!;
                var end = kind == "end";
                return new EventFacts(e.GetProperty("seq").GetInt32(), kind, e.GetProperty("peak_score").GetDouble(),
                    e.GetProperty("dominant").GetString()!, Time(e, "started_at"), Time(e, "captured_at"), end ? Time(e, "ended_at") : null,
                    end && e.GetProperty("end_reason").ValueKind == JsonValueKind.String ? e.GetProperty("end_reason").GetString() : null,
                    Accumulator.Gps(e), file);
            }
        }

        private static IEnumerable<(long Time, JsonElement Json)> Json(McapFile file, string topic) =>
            file.On(topic).Select(m => ((long)m.LogTime, JsonDocument.Parse(m.Data).RootElement.Clone()));

        private static DateTimeOffset Time(JsonElement e, string name) =>
            DateTimeOffset.Parse(e.GetProperty(name).GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

        private static GeoPoint? Gps(JsonElement e) =>
            e.TryGetProperty("gps", out var g) && g.ValueKind == JsonValueKind.Object
                ? new GeoPoint(g.GetProperty("lat").GetDouble(), g.GetProperty("lon").GetDouble())
                : null;

        private static List<ClassInfo> ClassTable(string json)
        {
            using var doc = JsonDocument.Parse(json);
            return doc.RootElement.EnumerateArray().Select(c =>
            {
                var hex = c.GetProperty("color").GetString()!;
                var rgb = Convert.ToInt32(hex.TrimStart('#'), 16);
                return new ClassInfo(c.GetProperty("id").GetInt32(), c.GetProperty("name").GetString()!,
                    new Rgb((byte)(rgb >> 16), (byte)(rgb >> 8), (byte)rgb), false);
            }).ToList();
        }
    }

    internal static DateTimeOffset FromNs(long ns) => DateTimeOffset.UnixEpoch.AddTicks(ns / 100);
}

/// <summary>A field-log directory or file the <c>episodes</c> command cannot use; the message names it.</summary>
internal sealed class EpisodeReviewException(string message) : Exception(message);
