using System.CommandLine;
using System.Globalization;
using MFuser.ModelPackage.Classes;

namespace MFuser.Scenes.Cli;

/// <summary><c>stats</c>: renders a corpus (the scenes <c>export</c> would write) and prints its class-frequency
/// table as Markdown: pixel share and the share of scenes containing each class.</summary>
internal static class StatsCommand
{
    public static Command Create()
    {
        var domain = CliOptions.Domain("domain to render");
        var count = new Option<int>("--count") { Description = "number of scenes", DefaultValueFactory = _ => 200 };
        count.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() < 1) r.AddError($"--count must be at least 1, got {r.GetValueOrDefault<int>()}");
        });
        var size = CliOptions.Size("512x256");
        var seed = CliOptions.Seed();
        var command = new Command("stats", "print the class-frequency table of a corpus as Markdown") { domain, count, size, seed };
        command.SetAction(parse =>
        {
            var (w, h) = parse.GetValue(size);
            var n = parse.GetValue(count);
            var stats = new ClassStatistics();
            var renderer = new SceneRenderer();
            var bgr = new byte[w * h * 3];
            var labels = new byte[w * h];
            for (var i = 0; i < n; i++)
            {
                renderer.Render(SceneSeeds.Derive(parse.GetValue(seed), i), parse.GetValue(domain), w, h, bgr, labels);
                stats.Add(labels);
            }
            Console.WriteLine($"| id | class | pixels | scenes with it |");
            Console.WriteLine($"|---:|---|---:|---:|");
            for (var id = 0; id < TrainIds.Count; id++)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {id} | {TrainIds.Names[id]} | {stats.Fraction(id) * 100:F2} % | {stats.MapsWith(id) * 100.0 / n:F0} % |"));
            return 0;
        });
        return command;
    }
}
