using System.CommandLine;
using System.Text.Json.Nodes;

namespace MFuser.Bench;

/// <summary>The suite's parts as subcommands (each writes its own result file) and <c>all</c>.</summary>
public static class Suite
{
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
