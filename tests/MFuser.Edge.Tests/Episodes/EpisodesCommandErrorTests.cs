using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Episodes;

/// <summary>Bad input to <c>mfuser-edge episodes</c>: exit 2 with one line naming the directory or file, or, for an
/// unreadable file among readable ones, a warning naming it and the rest still listed.</summary>
public sealed class EpisodesCommandErrorTests(RecordedDriveFixture drive) : IClassFixture<RecordedDriveFixture>, IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task A_directory_that_does_not_exist_exits_2_naming_it()
    {
        var missing = _dir.File("no-such-dir");
        var p = await EdgeProcess.RunAsync(["episodes", missing]);
        Assert.Equal(2, p.ExitCode);
        Assert.Equal($"mfuser-edge: error: {missing}: field-log directory not found", p.Stderr.Trim());
    }

    [Fact]
    public async Task A_directory_without_mcap_files_exits_2_saying_so()
    {
        await File.WriteAllTextAsync(_dir.File("notes.txt"), "not a log");
        var p = await EdgeProcess.RunAsync(["episodes", "report", "--out", _dir.File("r.html"), _dir.Path]);
        Assert.Equal(2, p.ExitCode);
        Assert.Equal($"mfuser-edge: error: {_dir.Path}: no .mcap files (expected the field_log.dir of a drive)", p.Stderr.Trim());
        Assert.False(File.Exists(_dir.File("r.html")));
    }

    [Fact]
    public async Task A_single_corrupt_file_exits_2_naming_the_file()
    {
        var corrupt = _dir.File("20261201T093000.000Z-episode-broken.mcap");
        await File.WriteAllBytesAsync(corrupt, "\u0089MCAP0\r\n truncated"u8.ToArray());
        var p = await EdgeProcess.RunAsync(["episodes", _dir.Path]);
        Assert.Equal(2, p.ExitCode);
        Assert.StartsWith($"mfuser-edge: error: {corrupt}: not a readable field log: MCAP:", p.Stderr);
        Assert.Single(p.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task A_corrupt_file_among_good_ones_is_skipped_with_a_warning_and_the_rest_listed()
    {
        foreach (var file in Directory.GetFiles(drive.Directory, "*.mcap"))
            File.Copy(file, Path.Combine(_dir.Path, Path.GetFileName(file)));
        var good = Directory.GetFiles(_dir.Path, "*.mcap").Order(StringComparer.Ordinal).First();
        var corrupt = _dir.File("20261201T093001.000Z-episode-cut.mcap");
        var bytes = await File.ReadAllBytesAsync(good);
        await File.WriteAllBytesAsync(corrupt, bytes[..(bytes.Length / 2)]); // a file cut short, as by a power loss
        var p = await EdgeProcess.RunAsync(["episodes", _dir.Path]);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.StartsWith($"mfuser-edge: warning: skipping {corrupt}: MCAP:", p.Stderr);
        foreach (var planned in RecordedDrive.Planned)
            Assert.Contains(planned.Id, p.Stdout);
    }

    [Fact]
    public async Task Exporting_an_unknown_episode_exits_2_listing_the_known_ones()
    {
        var p = await EdgeProcess.RunAsync(["episodes", "export", "0193ffff", "--out", _dir.File("out"), drive.Directory]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains($"{drive.Directory}: no episode '0193ffff' (episodes: 0193aaaa0001, 0193bbbb0002, 0193cccc0003)", p.Stderr);
    }
}
