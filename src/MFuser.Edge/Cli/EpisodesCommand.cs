using System.CommandLine;
using MFuser.Edge.Episodes;

namespace MFuser.Edge.Cli;

/// <summary>
/// <c>mfuser-edge episodes DIR</c> (list, or <c>--json</c>), <c>episodes export ID --out DIR DIR</c> and
/// <c>episodes report --out FILE DIR</c>: reviews the shift episodes of a drive from its field-log directory
/// (docs/field-logging.md, "Episode review"). A directory that is missing, holds no <c>.mcap</c> file or only unreadable
/// ones exits 2 naming it; an unreadable file among readable ones is skipped with a warning on stderr.
/// </summary>
internal static class EpisodesCommand
{
    public static Command Create()
    {
        var dir = Directory();
        var json = new Option<bool>("--json") { Description = "Print the episodes as JSON instead of a table" };
        var command = new Command("episodes", "List the domain-shift episodes of a drive's field logs (see also: export, report)");
        command.Arguments.Add(dir);
        command.Options.Add(json);
        command.SetAction(parse => Run(() =>
        {
            var drive = Load(parse.GetValue(dir)!);
            Console.Write(parse.GetValue(json) ? EpisodeTable.Json(drive.Episodes) : EpisodeTable.Text(drive.Episodes));
        }));
        command.Subcommands.Add(Export());
        command.Subcommands.Add(Report());
        return command;
    }

    private static Command Export()
    {
        var id = new Argument<string>("id") { Description = "Episode id (or a unique prefix of it)" };
        var outDir = new Option<string>("--out") { Description = "Directory for the PNG files (created if missing)", Required = true };
        var dir = Directory();
        var command = new Command("export", "Write an episode's frames, overlays and label maps as PNG files");
        command.Arguments.Add(id);
        command.Arguments.Add(dir);
        command.Options.Add(outDir);
        command.SetAction(parse => Run(() =>
        {
            var drive = Load(parse.GetValue(dir)!);
            var episode = drive.Find(parse.GetValue(id)!);
            var result = EpisodeExporter.Export(drive, episode, parse.GetValue(outDir)!);
            if (result.Undecodable > 0)
                Console.Error.WriteLine($"mfuser-edge: warning: {result.Undecodable} images of episode {episode.Id} did not decode and were skipped");
            Console.WriteLine($"episode {episode.Id}: {result.Files.Count} PNG files written to {parse.GetValue(outDir)}");
        }));
        return command;
    }

    private static Command Report()
    {
        var output = new Option<string>("--out") { Description = "HTML file to write", Required = true };
        var dir = Directory();
        var command = new Command("report", "Write one self-contained HTML page of the drive: shift-score timeline, episodes, GPS track");
        command.Arguments.Add(dir);
        command.Options.Add(output);
        command.SetAction(parse => Run(() =>
        {
            var drive = Load(parse.GetValue(dir)!);
            var path = parse.GetValue(output)!;
            var html = EpisodeReport.Html(drive);
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
                System.IO.Directory.CreateDirectory(parent);
            File.WriteAllText(path, html);
            Console.WriteLine($"{drive.Episodes.Count} episodes; report written to {path} ({new FileInfo(path).Length / 1024} KiB)");
        }));
        return command;
    }

    private static Argument<string> Directory() => new("field-log-dir") { Description = "The drive's field-log directory (field_log.dir)" };

    /// <summary>Reads the drive and warns about every file it had to skip.</summary>
    private static DriveLog Load(string directory)
    {
        var drive = DriveLog.Load(directory);
        foreach (var skipped in drive.Skipped)
            Console.Error.WriteLine($"mfuser-edge: warning: skipping {skipped.Path}: {skipped.Reason}");
        return drive;
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return ExitCodes.Ok;
        }
        catch (EpisodeReviewException e)
        {
            Console.Error.WriteLine($"mfuser-edge: error: {e.Message}");
            return ExitCodes.Configuration;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"mfuser-edge: error: {e.Message}");
            return ExitCodes.Configuration;
        }
    }
}
