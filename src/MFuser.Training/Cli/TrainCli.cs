using System.CommandLine;
using MFuser.Onnx.Architecture;
using MFuser.Training.Model;
using static TorchSharp.torch;

namespace MFuser.Training.Cli;

/// <summary>Command line of <c>mfuser-train</c>: describe, train, eval.</summary>
public static class TrainCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("mfuser-train: the MFuser model in TorchSharp (describe, train on synthetic drives, evaluate)");
        root.Subcommands.Add(DescribeCommand());
        return root.Parse(args).Invoke();
    }

    private static Option<string> PresetOption() => new("--preset") { Description = "tiny | small | paper-l", DefaultValueFactory = _ => "tiny" };

    private static Command DescribeCommand()
    {
        var preset = PresetOption();
        var baseline = new Option<string>("--baseline") { Description = "mfuser | vfm-only | vlm-only | attention", DefaultValueFactory = _ => "mfuser" };
        var frozen = new Option<bool?>("--frozen-encoders") { Description = "count encoder weights as frozen (default: true for paper-l, false otherwise)" };
        var cmd = new Command("describe", "print trainable and frozen parameter counts per module") { preset, baseline, frozen };
        cmd.SetAction(r =>
        {
            var cfg = MFuserPresets.WithBaseline(MFuserPresets.Get(r.GetValue(preset)!), r.GetValue(baseline)!);
            bool freeze = r.GetValue(frozen) ?? cfg.Name.StartsWith("paper-l");
            set_num_threads(Math.Max(1, Environment.ProcessorCount));
            using var model = new MFuserModel(cfg);
            Console.Write(ParameterReport.Format(cfg, ParameterReport.Count(model, freeze), freeze));
            return 0;
        });
        return cmd;
    }
}
