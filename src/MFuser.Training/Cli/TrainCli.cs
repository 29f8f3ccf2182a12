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
        root.Subcommands.Add(BenchCommand());
        return root.Parse(args).Invoke();
    }

    private static Option<string> PresetOption() => new("--preset") { Description = "tiny | small | paper-l", DefaultValueFactory = _ => "tiny" };

    private static Command BenchCommand()
    {
        var preset = PresetOption();
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4 };
        var steps = new Option<int>("--steps") { DefaultValueFactory = _ => 3 };
        var cmd = new Command("bench", "time forward+backward training steps on random input (no data loading)") { preset, batch, steps };
        cmd.SetAction(r =>
        {
            var cfg = MFuserPresets.Get(r.GetValue(preset)!);
            int b = r.GetValue(batch);
            if (Environment.GetEnvironmentVariable("MFUSER_THREADS") is { } t) set_num_threads(int.Parse(t));
            using var model = new MFuserModel(cfg);
            var opt = optim.AdamW(model.parameters(), lr: 1e-4);
            var x = randn(b, 3, cfg.ImageHeight, cfg.ImageWidth);
            var y = randint(0, cfg.NumClasses, [b, cfg.ImageHeight, cfg.ImageWidth]);
            for (int i = 0; i < r.GetValue(steps); i++)
            {
                using var scope = NewDisposeScope();
                var sw = System.Diagnostics.Stopwatch.StartNew();
                opt.zero_grad();
                var o = model.call(x);
                double fwd = sw.Elapsed.TotalSeconds;
                var loss = Training.Losses.Compute(o, y, cfg.NumClasses, new Training.LossWeights());
                loss.Total.backward();
                opt.step();
                var sw2 = System.Diagnostics.Stopwatch.StartNew();
                using (no_grad()) model.Backbone.call(x);
                double bbT = sw2.Elapsed.TotalSeconds; sw2.Restart();
                using (no_grad()) { var bs = new Scan.ScanBench(cfg, b); bs.Run(); }
                double scT = sw2.Elapsed.TotalSeconds; sw2.Restart();
                using (no_grad()) model.call(x);
                Console.WriteLine($"  backbone no-grad {bbT:F2}s, scan x{cfg.Depth} no-grad {scT:F2}s, full no-grad {sw2.Elapsed.TotalSeconds:F2}s");
                Console.WriteLine($"step {i}: forward {fwd:F2}s, total {sw.Elapsed.TotalSeconds:F2}s, loss {loss.Total.item<float>():F3}, threads {get_num_threads()}");
            }
            return 0;
        });
        return cmd;
    }

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
