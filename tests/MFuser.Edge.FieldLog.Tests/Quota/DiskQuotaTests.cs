using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.FieldLog.Quota;
using MFuser.Edge.FieldLog.Recording;
using static MFuser.Edge.FieldLog.Tests.Recording.SyntheticStream;

namespace MFuser.Edge.FieldLog.Tests.Quota;

/// <summary>The quota by kind of file: snapshots in their own share, episodes deleted only for newer recordings
/// (hostile-campaign finding 5: a burst of snapshot commands deleted the episode logs).</summary>
public sealed class DiskQuotaTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("mfuser-quota-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private FieldLogOptions Options(long snapshotShare, int snapshotFiles = 3) => new()
    {
        Directory = _dir,
        QuotaBytes = 8 << 20,
        SnapshotQuotaBytes = snapshotShare,
        SnapshotMaxFiles = snapshotFiles,
        MaxFileBytes = 2 << 20,
        ChunkSize = 64 << 10,
        MinFreeBytes = 0,
        PreTrigger = TimeSpan.FromSeconds(2),
        PostTrigger = TimeSpan.FromSeconds(1),
        QueueCapacity = 4096,
    };

    /// <summary>Four episodes of ~0.4 MB on disk (10 KB frames); returns the next frame index.</summary>
    private static async Task<int> RecordEpisodes(FieldLogRecorder r)
    {
        var i = 0;
        for (var episode = 0; episode < 4; episode++, i += 40)
        {
            FeedRange(r, i, i + 19, jpegSize: 10_000);
            Episode(r, Event(EpisodeEventKind.New, $"ep{episode}-000000000000", 0, i + 20));
            FeedRange(r, i + 20, i + 29, jpegSize: 10_000);
            Episode(r, Event(EpisodeEventKind.End, $"ep{episode}-000000000000", 1, i + 30));
            FeedRange(r, i + 30, i + 39, jpegSize: 10_000); // post-trigger (1 s) ends at i + 40
        }
        await r.FlushAsync();
        return i;
    }

    private string[] Files(LogFileKind kind) =>
        Directory.GetFiles(_dir, "*.mcap").Where(f => LogFileKinds.Of(f) == kind).Select(Path.GetFileName).Order(StringComparer.Ordinal).ToArray()!;

    [Fact]
    public async Task A_burst_of_snapshots_never_deletes_an_episode_and_stays_within_its_share()
    {
        const long share = 2 << 20;
        string[] episodes;
        var results = new List<Task<FieldLogFile?>>();
        FieldLogCounters counters;
        await using (var r = new FieldLogRecorder(Options(share)))
        {
            r.Start();
            var i = await RecordEpisodes(r);
            episodes = Files(LogFileKind.Episode);
            Assert.Equal(4, episodes.Length);
            for (var k = 0; k < 150; k++, i += 2) // 150 snapshot commands, as in the hostile campaign
            {
                FeedRange(r, i, i + 1, jpegSize: 10_000);
                results.Add(r.Snapshot($"flood{k}"));
            }
            await r.FlushAsync();
            counters = r.Counters;
            // stats.field_log.disk_bytes: what the directory holds, measured when the last snapshot was finished.
            Assert.Equal(Directory.GetFiles(_dir, "*.mcap").Sum(f => new FileInfo(f).Length), counters.DiskBytes);
        }

        Assert.InRange(counters.DiskBytes, 1, 8 << 20);
        Assert.Equal(episodes, Files(LogFileKind.Episode));
        foreach (var episode in episodes)
            Assert.NotEmpty(McapReader.Read(Path.Combine(_dir, episode)).On("/camera/image"));
        var snapshots = Files(LogFileKind.Snapshot);
        Assert.InRange(snapshots.Length, 1, 3);
        Assert.True(snapshots.Sum(f => new FileInfo(Path.Combine(_dir, f)).Length) <= share);
        Assert.Contains("flood149", snapshots[^1]);
        var written = results.Count(t => t.Result is not null);
        Assert.Equal(150, written);
        Assert.Equal(0, counters.SnapshotsRefused);
        Assert.Equal(written - snapshots.Length, counters.FilesDeletedForQuota);
    }

    [Fact]
    public async Task A_snapshot_its_share_cannot_hold_is_refused_and_counted_and_deletes_nothing()
    {
        FieldLogCounters counters;
        FieldLogFile? refused;
        string[] episodes;
        await using (var r = new FieldLogRecorder(Options(snapshotShare: 256 << 10)))
        {
            r.Start();
            var i = await RecordEpisodes(r);
            episodes = Files(LogFileKind.Episode);
            FeedRange(r, i, i + 20, jpegSize: 10_000); // a 2 s ring of ~200 KB: with headroom more than 256 KiB
            refused = await r.Snapshot("too-big");
            Assert.Null(await r.Snapshot("too-big-again"));
            counters = r.Counters;
        }
        Assert.Null(refused);
        Assert.Equal(2, counters.SnapshotsRefused);
        Assert.Equal(0, counters.FilesDeletedForQuota);
        Assert.Equal(episodes, Files(LogFileKind.Episode));
        Assert.Empty(Files(LogFileKind.Snapshot));
    }

    [Fact]
    public async Task Manual_recordings_never_delete_an_episode_but_an_episode_deletes_older_manual_recordings()
    {
        string[] episodes, manualBefore;
        int frames;
        await using (var r = new FieldLogRecorder(Options(snapshotShare: 1 << 20) with { QuotaBytes = 6 << 20, MaxFileBytes = 1 << 20 }))
        {
            r.Start();
            var i = await RecordEpisodes(r); // ~2.4 MB of the 5 MiB the recordings share
            FeedRange(r, i, i + 9, jpegSize: 10_000); // past the last post-trigger: the last episode file closes
            i += 10;
            await r.FlushAsync();
            episodes = Files(LogFileKind.Episode);
            r.SetRecording(true);
            FeedRange(r, i, i + 400, jpegSize: 10_000); // 40 s of manual recording: ~5 MB, more than is left
            r.SetRecording(false);
            await r.FlushAsync();
            Assert.Equal(episodes, Files(LogFileKind.Episode));
            manualBefore = Files(LogFileKind.Manual);
            Assert.NotEmpty(manualBefore);
            // The manual recording made room by deleting its own older files, never an episode.
            Assert.True(r.Counters is { QuotaStops: 0, FilesDeletedForQuota: > 0 }, r.Counters.ToString());

            // An episode that needs more than is free but less than the manual recordings hold.
            var recordings = Directory.GetFiles(_dir, "*.mcap").Sum(f => new FileInfo(f).Length);
            var manualBytes = manualBefore.Sum(f => new FileInfo(Path.Combine(_dir, f)).Length);
            frames = (int)(((5 << 20) - recordings - (400 << 10) + manualBytes / 2) / 16_000); // ~16 KB on disk per frame
            i += 401;
            FeedRange(r, i, i + 19, jpegSize: 10_000);
            Episode(r, Event(EpisodeEventKind.New, "ep9-000000000000", 0, i + 20));
            FeedRange(r, i + 20, i + frames, jpegSize: 10_000);
            Episode(r, Event(EpisodeEventKind.End, "ep9-000000000000", 1, i + frames));
            FeedRange(r, i + frames + 1, i + frames + 15, jpegSize: 10_000);
            await r.FlushAsync();
        }
        var now = Files(LogFileKind.Episode);
        var listing = string.Join(", ", Directory.GetFiles(_dir).Select(f => $"{Path.GetFileName(f)} {new FileInfo(f).Length}"));
        Assert.True(episodes.SequenceEqual(now.Take(episodes.Length)), $"an older episode is gone ({frames} frames): {listing}");
        Assert.All(now.Skip(episodes.Length), f => Assert.Contains("episode-ep9", f));
        var manualAfter = Files(LogFileKind.Manual);
        Assert.True(manualAfter.Length < manualBefore.Length, $"{manualBefore.Length} manual files before the episode, {manualAfter.Length} after");
        Assert.Equal(manualBefore.TakeLast(manualAfter.Length), manualAfter); // the oldest went first
        Assert.True(Directory.GetFiles(_dir, "*.mcap").Sum(f => new FileInfo(f).Length) <= 6 << 20);
    }

    [Theory]
    [InlineData("20261126T120000.000Z-episode-0193abcdef01.mcap", LogFileKind.Episode)]
    [InlineData("20261126T120000.000Z-episode-0193abcdef01-2.mcap", LogFileKind.Episode)]
    [InlineData("20261126T120000.000Z-manual.mcap", LogFileKind.Manual)]
    [InlineData("20261126T120000.000Z-snapshot-mark-pothole.mcap", LogFileKind.Snapshot)]
    [InlineData("20261126T120000.000Z-snapshot-episode-x.mcap", LogFileKind.Snapshot)] // a label cannot fake a kind
    [InlineData("copied-by-hand.mcap", LogFileKind.Manual)]
    public void File_kind_comes_from_the_reason_after_the_time_stamp(string name, LogFileKind kind) =>
        Assert.Equal(kind, LogFileKinds.Of("/var/lib/mfuser-edge/fieldlog/" + name));
}
