using System.CommandLine;
using System.Text.Json;
using Spectre.Console;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Cli;

/// <summary><c>export</c>: a Cityscapes-like data set of one domain. Scene i of base seed S has the same relative
/// path in every domain's export, so exports of several domains line up file by file:
/// <c>OUT/leftImg8bit/synthetic/synthS_iiiiii_leftImg8bit.png</c> (8-bit BGR image),
/// <c>OUT/gtFine/synthetic/synthS_iiiiii_gtFine_labelTrainIds.png</c> (8-bit train ids, 255 = ignore) and
/// <c>OUT/index.json</c> (settings, class table, per-item paths and scene seeds, class pixel fractions).</summary>
internal static class ExportCommand
{
    public const string City = "synthetic";

    public static Command Create()
    {
        var domain = CliOptions.Domain("domain to render");
        var count = new Option<int>("--count") { Description = "number of scenes", DefaultValueFactory = _ => 500 };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 1_000_000) r.AddError($"--count must be 1..1000000, got {r.GetValueOrDefault<int>()}");
        });
        var size = CliOptions.Size("512x256");
        var seed = CliOptions.Seed();
        var output = new Option<string>("--out") { Description = "output folder (the data set root)", Required = true };
        var jobs = new Option<int>("--jobs") { Description = "parallel renderers", DefaultValueFactory = _ => Environment.ProcessorCount };
        jobs.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 1 or > 256) r.AddError($"--jobs must be 1..256, got {r.GetValueOrDefault<int>()}");
        });
        var command = new Command("export", "write image/label PNG pairs in a Cityscapes-like layout plus index.json")
        {
            domain, count, size, seed, output, jobs,
        };
        command.SetAction(parse =>
        {
            var index = Export(parse.GetValue(domain), parse.GetValue(count), parse.GetValue(size), parse.GetValue(seed),
                parse.GetValue(output)!, parse.GetValue(jobs));
            AnsiConsole.MarkupLineInterpolated(
                $"wrote {index.Items.Length} scenes and [bold]{Path.Combine(parse.GetValue(output)!, "index.json")}[/]");
            return 0;
        });
        return command;
    }

    public static string ImagePath(int seed, int i) => $"leftImg8bit/{City}/{Name(seed, i)}_leftImg8bit.png";
    public static string LabelPath(int seed, int i) => $"gtFine/{City}/{Name(seed, i)}_gtFine_labelTrainIds.png";
    private static string Name(int seed, int i) => $"synth{seed}_{i:D6}";

    private static DatasetIndex Export(Domain domain, int count, ImageSize size, int seed, string root, int jobs)
    {
        var (w, h) = size;
        var items = new DatasetItem[count];
        var statistics = new ClassStatistics();
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"{domain.Name()} {size}", maxValue: count);
                Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = jobs },
                    () => (renderer: new SceneRenderer(), bgr: new byte[w * h * 3], labels: new byte[w * h], statistics: new ClassStatistics()),
                    (i, _, local) =>
                    {
                        var sceneSeed = SceneSeeds.Derive(seed, i);
                        local.renderer.Render(sceneSeed, domain, w, h, local.bgr, local.labels);
                        local.statistics.Add(local.labels);
                        PngFiles.WriteBgr(Path.Combine(root, ImagePath(seed, i)), local.bgr, w, h);
                        PngFiles.WriteGray(Path.Combine(root, LabelPath(seed, i)), local.labels, w, h);
                        items[i] = new DatasetItem(Name(seed, i), sceneSeed, ImagePath(seed, i), LabelPath(seed, i));
                        task.Increment(1);
                        return local;
                    },
                    local => { lock (statistics) statistics.Add(local.statistics); });
            });
        var index = new DatasetIndex(
            Generator: "mfuser-scenes", Version: typeof(SceneRenderer).Assembly.GetName().Version?.ToString() ?? "",
            Domain: domain.Name(), Seed: seed, Count: count, Width: w, Height: h, Ignore: TrainIds.Ignore,
            Classes: TrainIds.Names.Select((n, id) =>
                new DatasetClass(id, n, Math.Round(statistics.Fraction(id), 6), statistics.MapsWith(id))).ToArray(),
            Items: items);
        File.WriteAllText(Path.Combine(root, "index.json"), JsonSerializer.Serialize(index, JsonOptions) + "\n");
        return index;
    }

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>index.json of an export.</summary>
internal sealed record DatasetIndex(string Generator, string Version, string Domain, int Seed, int Count, int Width,
    int Height, int Ignore, DatasetClass[] Classes, DatasetItem[] Items);

/// <summary>A class of the label maps, the fraction of all pixels it covers in this export and the number of
/// scenes in which it appears.</summary>
internal sealed record DatasetClass(int Id, string Name, double PixelFraction, int Scenes);

/// <summary>One scene: its name, the seed that renders it, and its image and label paths relative to the index.</summary>
internal sealed record DatasetItem(string Name, int SceneSeed, string Image, string Labels);
