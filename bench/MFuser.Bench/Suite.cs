using System.CommandLine;
using System.Diagnostics;
using System.Text.Json.Nodes;
using MFuser.Bench.Report;

namespace MFuser.Bench;

/// <summary>The suite's parts as subcommands (each writes its own result file), <c>all</c> (every part in one process,
/// one result file <c>bench/results/&lt;date&gt;-&lt;host&gt;.json</c>, then docs/performance.md) and <c>report</c>
/// (docs/performance.md again from a result file).</summary>
public static class Suite
{
    /// <summary>The parts in the order <c>all</c> runs them. A part that throws is recorded as {"error": message}
    /// and the suite goes on.</summary>
    private static readonly (string Name, Func<bool, JsonObject> Run)[] Parts =
    [
        ("scan", Scan.ScanBenchmark.Run),
        ("model", Model.ModelBenchmark.Run),
        ("scaling", Scaling.ScalingBenchmark.Run),
        ("pipeline", Pipeline.PipelineBenchmark.Run),
        ("memory", Pipeline.MemoryBenchmark.Run),
        ("console", WebConsole.ConsoleBenchmark.Run),
        ("render", RenderBenchmark.RunForSuite),
    ];

    public static Command All()
    {
        var quick = new Option<bool>("--quick") { Description = "fewer shapes, sizes and runs (a smoke run of a few minutes)" };
        var output = new Option<string>("--out") { Description = "results folder", DefaultValueFactory = _ => ResultFile.DefaultDirectory() };
        var docs = new Option<string>("--docs") { Description = "where performance.md goes",
            DefaultValueFactory = _ => Path.Combine(Repository.Root, "docs") };
        var command = new Command("all", "run the whole suite, write one result file and docs/performance.md") { quick, output, docs };
        command.SetAction(parse =>
        {
            var q = parse.GetValue(quick);
            var result = new JsonObject { ["quick"] = q, ["load_average_start"] = ResultFile.LoadAverage() };
            var clock = Stopwatch.StartNew();
            foreach (var (name, run) in Parts)
            {
                Console.WriteLine($"== {name} ({clock.Elapsed.TotalSeconds:F0} s into the suite)");
                try { result[name] = run(q); }
                catch (Exception e)
                {
                    Console.Error.WriteLine($"{name}: {e}");
                    result[name] = new JsonObject { ["error"] = $"{e.GetType().Name}: {e.Message}" };
                }
            }
            result["suite_seconds"] = Math.Round(clock.Elapsed.TotalSeconds);
            var path = ResultFile.Write(parse.GetValue(output)!, ResultFile.SuiteName, result);
            Console.WriteLine($"wrote {path}");
            Console.WriteLine($"wrote {PerformanceReport.Write(path, parse.GetValue(docs)!)}");
            return 0;
        });
        return command;
    }

    public static Command Report()
    {
        var input = new Argument<string>("result") { Description = "a suite result file (bench/results/<date>-<host>.json)" };
        var docs = new Option<string>("--docs") { Description = "where performance.md goes",
            DefaultValueFactory = _ => Path.Combine(Repository.Root, "docs") };
        var command = new Command("report", "write docs/performance.md (and its plots) from a suite result file") { input, docs };
        command.SetAction(parse =>
        {
            var path = parse.GetValue(input)!;
            if (!File.Exists(path))
            {
                Console.Error.WriteLine($"report: result file {path} does not exist");
                return 2;
            }
            Console.WriteLine($"wrote {PerformanceReport.Write(path, parse.GetValue(docs)!)}");
            return 0;
        });
        return command;
    }

    /// <summary>A subcommand running one part with <c>--quick</c> and <c>--out</c>.</summary>
    public static Command Part(string name, string description, Func<bool, JsonObject> run)
    {
        var quick = new Option<bool>("--quick") { Description = "fewer shapes and runs (a smoke run of a few minutes)" };
        var output = new Option<string>("--out") { Description = "results folder", DefaultValueFactory = _ => ResultFile.DefaultDirectory() };
        var command = new Command(name, description) { quick, output };
        command.SetAction(parse =>
        {
            var result = run(parse.GetValue(quick));
            Console.WriteLine($"wrote {ResultFile.Write(parse.GetValue(output)!, name, result)}");
            return 0;
        });
        return command;
    }
}
