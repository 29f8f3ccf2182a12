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

    private void CopyDrive()
    {
        foreach (var file in Directory.GetFiles(drive.Directory, "*.mcap"))
            File.Copy(file, Path.Combine(_dir.Path, Path.GetFileName(file)));
    }

    [Fact]
    public async Task A_corrupt_file_among_good_ones_is_skipped_with_a_warning_and_the_rest_listed()
    {
        CopyDrive();
        var corrupt = _dir.File("20261201T093001.000Z-episode-garbage.mcap");
        await File.WriteAllBytesAsync(corrupt, [.. "\u0089MCAP0\r\n"u8, .. new byte[4096]]); // no Header record
        var p = await EdgeProcess.RunAsync(["episodes", _dir.Path]);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.StartsWith($"mfuser-edge: warning: skipping {corrupt}: MCAP:", p.Stderr);
        foreach (var planned in RecordedDrive.Planned)
            Assert.Contains(planned.Id, p.Stdout);
    }

    [Fact]
    public async Task A_file_cut_short_by_a_crash_is_read_up_to_its_torn_record_and_its_episode_shows_open()
    {
        var first = Directory.GetFiles(drive.Directory, "*.mcap").Order(StringComparer.Ordinal).First();
        var bytes = await File.ReadAllBytesAsync(first);
        var cut = _dir.File(Path.GetFileName(first));
        await File.WriteAllBytesAsync(cut, bytes[..(bytes.Length / 2)]); // the daemon killed mid-episode: no end, no footer
        var p = await EdgeProcess.RunAsync(["episodes", _dir.Path]);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.Contains($"mfuser-edge: warning: {cut} was never finished", p.Stderr);
        var row = Assert.Single(p.Stdout.Split('\n'), l => l.Contains(RecordedDrive.Planned[0].Id));
        Assert.Contains("open", row);
    }

    [Fact]
    public async Task Special_files_unreadable_files_and_events_of_another_layout_are_skipped_not_fatal()
    {
        CopyDrive();
        Fifo.Create(_dir.File("20261201T093002.000Z-fifo.mcap")); // would block the read for ever
        File.CreateSymbolicLink(_dir.File("20261201T093003.000Z-zero.mcap"), "/dev/zero"); // would fill memory
        var good = Directory.GetFiles(drive.Directory, "*.mcap").Order(StringComparer.Ordinal).First();
        var text = File.ReadAllBytes(good);
        var renamed = _dir.File("20261201T093004.000Z-renamed.mcap"); // "started_at" renamed, CRCs still right: another layout
        await File.WriteAllBytesAsync(renamed, ReplaceAndFixCrcs(text, "\"started_at\"", "\"started_xx\""));
        var p = await EdgeProcess.RunAsync(["episodes", _dir.Path], timeoutS: 60);
        Assert.True(p.ExitCode == 0, p.ToString());
        Assert.Contains("fifo.mcap: a FIFO", p.Stderr);
        Assert.Contains("zero.mcap: a character device", p.Stderr);
        Assert.Contains("renamed.mcap: ", p.Stderr);
        foreach (var planned in RecordedDrive.Planned)
            Assert.Contains(planned.Id, p.Stdout);
    }

    /// <summary>A copy of an MCAP file with equal-length text replaced and every CRC set to 0 ("not computed").</summary>
    private static byte[] ReplaceAndFixCrcs(byte[] file, string from, string to)
    {
        var summary = MFuser.Edge.FieldLog.Mcap.McapReader.Read(file); // throws if it is not a valid file to start from
        Assert.NotEmpty(summary.Messages);
        var copy = System.Text.Encoding.Latin1.GetBytes(System.Text.Encoding.Latin1.GetString(file).Replace(from, to));
        var pos = 8;
        while (pos < copy.Length - 8)
        {
            var op = copy[pos];
            var length = (int)BitConverter.ToUInt64(copy, pos + 1);
            if (op == 0x06) // Chunk: u64 start, u64 end, u64 size, u32 crc
                Array.Clear(copy, pos + 9 + 24, 4);
            else if (op == 0x0F) // DataEnd: u32 crc
                Array.Clear(copy, pos + 9, 4);
            else if (op == 0x02) // Footer: u64 summary start, u64 summary offset start, u32 crc
                Array.Clear(copy, pos + 9 + 16, 4);
            pos += 9 + length;
        }
        return copy;
    }

    [Fact]
    public async Task A_report_never_takes_the_place_of_a_field_log()
    {
        CopyDrive();
        var log = Directory.GetFiles(_dir.Path, "*.mcap").First();
        var before = await File.ReadAllBytesAsync(log);
        var p = await EdgeProcess.RunAsync(["episodes", "report", "--out", log, _dir.Path]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("would overwrite a field log", p.Stderr);
        Assert.Equal(before, await File.ReadAllBytesAsync(log));
        p = await EdgeProcess.RunAsync(["episodes", "export", RecordedDrive.Planned[0].Id, "--out", "", _dir.Path]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("--out: expected a path, found an empty string", p.Stderr);
        p = await EdgeProcess.RunAsync(["episodes", "export", "", "--out", _dir.File("x"), _dir.Path]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("an episode id (or a unique prefix of one) is required", p.Stderr);
    }

    [Fact]
    public async Task Exporting_an_unknown_episode_exits_2_listing_the_known_ones()
    {
        var p = await EdgeProcess.RunAsync(["episodes", "export", "0193ffff", "--out", _dir.File("out"), drive.Directory]);
        Assert.Equal(2, p.ExitCode);
        Assert.Contains($"{drive.Directory}: no episode '0193ffff' (episodes: 0193aaaa0001, 0193bbbb0002, 0193cccc0003)", p.Stderr);
    }
}
