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
            var outPath = OutputPath(parse.GetValue(outDir)!);
            var drive = Load(parse.GetValue(dir)!);
            var episode = drive.Find(parse.GetValue(id)!);
            var result = EpisodeExporter.Export(drive, episode, outPath);
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
            var path = OutputPath(parse.GetValue(output)!);
            var drive = Load(parse.GetValue(dir)!);
            // The report must never take the place of the evidence it summarises.
            if (path.EndsWith(".mcap", StringComparison.OrdinalIgnoreCase) || drive.Files.Any(f => Path.GetFullPath(f) == path))
                throw new EpisodeReviewException($"--out {path}: would overwrite a field log; expected an .html path");
            var html = EpisodeReport.Html(drive);
            if (Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent)
                System.IO.Directory.CreateDirectory(parent);
            File.WriteAllText(path, html);
            Console.WriteLine($"{drive.Episodes.Count} episodes; report written to {path} ({new FileInfo(path).Length / 1024} KiB)");
        }));
        return command;
    }

    /// <summary>The full path of an <c>--out</c> value.</summary>
    /// <exception cref="EpisodeReviewException">The value is empty.</exception>
    private static string OutputPath(string value) =>
        value.Trim().Length > 0 ? Path.GetFullPath(value) : throw new EpisodeReviewException("--out: expected a path, found an empty string");

    private static Argument<string> Directory() => new("field-log-dir") { Description = "The drive's field-log directory (field_log.dir)" };

    /// <summary>Reads the drive and warns about every file it had to skip.</summary>
    private static DriveLog Load(string directory)
    {
        var drive = DriveLog.Load(directory);
        foreach (var skipped in drive.Skipped)
            Console.Error.WriteLine($"mfuser-edge: warning: skipping {skipped.Path}: {skipped.Reason}");
        foreach (var path in drive.Unfinished)
            Console.Error.WriteLine($"mfuser-edge: warning: {path} was never finished (the daemon stopped while writing it, or is still " +
                                    "recording): read up to its first torn record");
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
