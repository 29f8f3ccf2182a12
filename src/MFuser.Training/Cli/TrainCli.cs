using System.CommandLine;
using MFuser.Onnx.Architecture;
using MFuser.Training.Model;
using static TorchSharp.torch;

namespace MFuser.Training.Cli;

/// <summary>Command line of <c>mfuser-train</c>: describe, train, eval, bench, export.</summary>
public static class TrainCli
{
    public static int Run(string[] args)
    {
        var root = new RootCommand("mfuser-train: the MFuser model in TorchSharp (describe, train on synthetic drives, evaluate)");
        root.Subcommands.Add(DescribeCommand());
        root.Subcommands.Add(TrainCommand());
        root.Subcommands.Add(EvalCommand());
        root.Subcommands.Add(BenchCommand());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(TextPriorCommand.Create());
        root.Subcommands.Add(DataBenchCommand.Create());
        return root.Parse(args).Invoke();
    }

    private static Option<string> PresetOption() => new("--preset") { Description = "tiny | small | paper-l", DefaultValueFactory = _ => "tiny" };

    private static Command TrainCommand()
    {
        var preset = PresetOption();
        var baseline = new Option<string>("--baseline") { Description = "mfuser | vfm-only | vlm-only | attention",
            DefaultValueFactory = _ => "mfuser" };
        var steps = new Option<int>("--steps") { Description = "optimizer steps (the schedule length)", DefaultValueFactory = _ => 2000 };
        var batch = new Option<int>("--batch") { Description = "frames per step", DefaultValueFactory = _ => 4 };
        var lr = new Option<double>("--lr") { Description = "peak AdamW learning rate", DefaultValueFactory = _ => 6e-4 };
        var wd = new Option<double>("--weight-decay") { DefaultValueFactory = _ => 1e-4 };
        var warmup = new Option<int>("--warmup") { Description = "warm-up steps (0 = 5% of --steps)" };
        var freeze = new Option<bool>("--freeze-encoders") { Description = "train only fusers, pyramid, context decoder and head (official " +
                                                                           "parameter-efficient recipe)" };
        var seed = new Option<int>("--seed") { DefaultValueFactory = _ => 2023 };
        var threads = new Option<int>("--threads") { Description = "torch intra-op threads (0 = all cores)" };
        var every = new Option<int>("--checkpoint-every") { DefaultValueFactory = _ => 200 };
        var outDir = new Option<string>("--out") { Description = "run folder: checkpoints, config.json, metrics.jsonl, loss.png; resumes when it " +
                                                                 "holds a checkpoint", Required = true };
        var augment = new Option<string>("--augment")
        {
            Description = "data pipeline: official (resize, crop, flip, photometric, rare-class sampling) | flip (flips only)",
            DefaultValueFactory = _ => "official",
        };
        var noRcs = new Option<bool>("--no-rcs") { Description = "official pipeline without rare-class sampling" };
        var rcsPool = new Option<int>("--rcs-pool") { Description = "source frames rare-class sampling draws from", DefaultValueFactory = _ => 4096 };
        var textPrior = new Option<string>("--text-prior")
        {
            Description = "class queries: none (learned T0) | minilm (pretrained MiniLM class-name table + trainable projection)",
            DefaultValueFactory = _ => "none",
        };
        var inputAlign = InputAlignOption("per-frame input alignment: none | source (each frame's channel statistics moved to the " +
                                          "source domain's, in the exported graph too)");
        var initFrom = new Option<string?>("--init-from")
        {
            Description = "start a fresh run from these weights (same preset and options) instead of random initialisation: warm restart",
        };
        var cmd = new Command("train", "train on synthetic drives (source domain 'clear')")
        {
            preset, baseline, steps, batch, lr, wd, warmup, freeze, seed, threads, every, outDir, augment, noRcs, rcsPool, textPrior, inputAlign,
            initFrom,
        };
        cmd.SetAction((r, cancel) =>
        {
            var o = new Learning.TrainOptions
            {
                Preset = r.GetValue(preset)!, Baseline = r.GetValue(baseline)!, Steps = r.GetValue(steps), BatchSize = r.GetValue(batch),
                LearningRate = r.GetValue(lr), WeightDecay = r.GetValue(wd), WarmupSteps = r.GetValue(warmup), FreezeEncoders = r.GetValue(freeze),
                Seed = r.GetValue(seed), Threads = r.GetValue(threads), CheckpointEvery = r.GetValue(every), Out = r.GetValue(outDir)!,
                Augment = r.GetValue(augment)!, RareClassSampling = !r.GetValue(noRcs), RcsPool = r.GetValue(rcsPool),
                TextPrior = r.GetValue(textPrior)!, InputAlign = r.GetValue(inputAlign)!, InitFrom = r.GetValue(initFrom),
            };
            var trainer = new Learning.Trainer(o, new Learning.RendererSource(), Console.Error);
            Console.Error.WriteLine($"training {trainer.Config.Name} for {o.Steps} steps (batch {o.BatchSize}) into {o.Out}");
            using var model = trainer.Run(cancel);
            Console.Error.WriteLine($"done: {Path.Combine(o.Out, "model.safetensors")}, metrics.jsonl, loss.png");
            return Task.FromResult(0);
        });
        return cmd;
    }

    private static Command EvalCommand()
    {
        var runs = new Option<string[]>("--run") { Description = "run folder(s) (config.json + model.safetensors); repeat for baselines",
            Required = true, AllowMultipleArgumentsPerToken = true };
        var frames = new Option<int>("--frames") { Description = "held-out frames per domain", DefaultValueFactory = _ => 48 };
        var domains = new Option<string>("--domains") { Description = "comma-separated domain names (default: all)",
            DefaultValueFactory = _ => string.Join(",", MFuser.Scenes.Domains.Names) };
        var batch = new Option<int>("--batch") { DefaultValueFactory = _ => 4 };
        var threads = new Option<int>("--threads");
        var outDir = new Option<string>("--out") { Description = "folder for eval.json and eval.md", Required = true };
        var align = InputAlignOption("none: as each run was trained | source: align inputs to the source domain at test time " +
                                     "(an experiment on weights trained without it)");
        var cmd = new Command("eval", "mIoU per class and per domain on held-out seeds; JSON + Markdown") { runs, frames, domains,
            batch, threads, outDir, align };
        cmd.SetAction(r =>
        {
            if (r.GetValue(threads) > 0) set_num_threads(r.GetValue(threads));
            var doms = r.GetValue(domains)!.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(MFuser.Scenes.Domains.Parse).ToList();
            var reports = new List<Learning.EvalReport>();
            foreach (var run in r.GetValue(runs)!)
            {
                using var model = Checkpoints.CheckpointStore.LoadModel(run);
                var scenes = new Learning.RendererSource();
                var data = new Learning.SceneData(scenes, r.GetValue(align) == "none" || model.Config.InputAlignment is not null
                    ? model.Config
                    : Learning.SourceAlignment.Apply(model.Config, r.GetValue(align)!, scenes));
                var results = new List<Learning.DomainResult>();
                foreach (var d in doms)
                {
                    var res = Learning.Evaluator.Evaluate(model, data, d, r.GetValue(frames), r.GetValue(batch));
                    Console.Error.WriteLine($"{model.Config.Name} {res.Domain}: mIoU {100 * res.MeanIoU:F1}");
                    results.Add(res);
                }
                reports.Add(new Learning.EvalReport(model.Config.Name, r.GetValue(frames), results));
            }
            var dir = r.GetValue(outDir)!;
            Directory.CreateDirectory(dir);
            File.WriteAllText(Path.Combine(dir, "eval.json"), Learning.Evaluator.ToJson(reports));
            var md = Learning.Evaluator.ToMarkdown(reports);
            File.WriteAllText(Path.Combine(dir, "eval.md"), md);
            Console.Write(md);
            return 0;
        });
        return cmd;
    }

    private static Option<string> InputAlignOption(string description) => new Option<string>("--input-align")
    {
        Description = description, DefaultValueFactory = _ => "none",
    }.AcceptOnlyFromAmong("none", "source");

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
                var loss = Learning.Losses.Compute(o, y, cfg.NumClasses, new Learning.LossWeights());
                loss.Total.backward();
                opt.step();
                Console.WriteLine($"step {i}: forward {fwd:F2}s, forward+loss+backward+AdamW {sw.Elapsed.TotalSeconds:F2}s, " +
                                  $"loss {loss.Total.item<float>():F3}, threads {get_num_threads()}");
                var sw2 = System.Diagnostics.Stopwatch.StartNew();
                using (no_grad()) model.Backbone.call(x);
                double bbT = sw2.Elapsed.TotalSeconds; sw2.Restart();
                using (no_grad()) { var bs = new Scan.ScanBench(cfg, b); bs.Run(); }
                double scT = sw2.Elapsed.TotalSeconds; sw2.Restart();
                using (no_grad()) model.call(x);
                Console.WriteLine($"  backbone no-grad {bbT:F2}s, scan x{cfg.Depth} no-grad {scT:F2}s, full no-grad {sw2.Elapsed.TotalSeconds:F2}s");

            }
            return 0;
        });
        return cmd;
    }

    private static Command DescribeCommand()
    {
        var preset = PresetOption();
        var baseline = new Option<string>("--baseline") { Description = "mfuser | vfm-only | vlm-only | attention",
            DefaultValueFactory = _ => "mfuser" };
        var frozen = new Option<bool?>("--frozen-encoders") { Description = "count encoder weights as frozen (default: true for " +
                                                                            "paper-l, false otherwise)" };
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
