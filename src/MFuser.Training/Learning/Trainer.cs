using System.Diagnostics;
using System.Text.Json;
using MFuser.Onnx.Architecture;
using MFuser.Training.Checkpoints;
using MFuser.Training.Model;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace MFuser.Training.Learning;

/// <summary>One line of metrics.jsonl.</summary>
public sealed record StepMetrics(long Step, double Loss, double ClassLoss, double MaskLoss, double DiceLoss, double IdentityLoss,
    double Lr, double StepsPerSecond, double ElapsedSeconds);

/// <summary>
/// The training loop: AdamW + warm-up/poly schedule, Mask2Former-style losses, safetensors checkpoints with
/// config.json, resume from the latest checkpoint in the output folder, metrics.jsonl and a loss-curve PNG.
/// </summary>
public sealed class Trainer(TrainOptions options, ISceneSource scenes, TextWriter log)
{
    public MFuserConfig Config { get; } = options.ConfigOverride ?? SourceAlignment.Apply(MFuser.Training.TextPrior.TextPriorProjection.Apply(
        MFuserPresets.WithBaseline(MFuserPresets.Get(options.Preset), options.Baseline), options.TextPrior), options.InputAlign, scenes);

    /// <summary>Runs to <see cref="TrainOptions.Steps"/>; returns the trained model (caller disposes).</summary>
    public MFuserModel Run(CancellationToken cancel = default) => RunUntil(options.Steps, cancel);

    /// <summary>Runs the schedule of <see cref="TrainOptions.Steps"/> steps but stops after <paramref name="stopAt"/> (interrupted run).</summary>
    public MFuserModel RunUntil(long stopAt, CancellationToken cancel = default)
    {
        var o = options;
        if (o.InitFrom is { } initFile && !File.Exists(initFile)) throw new FileNotFoundException($"--init-from: no weights file at {initFile}");
        if (o.Threads > 0) set_num_threads(o.Threads);
        Directory.CreateDirectory(o.Out);
        random.manual_seed(o.Seed);
        var model = new MFuserModel(Config);
        var trainable = SetTrainable(model, o.FreezeEncoders);
        var optimizer = optim.AdamW(trainable, lr: o.LearningRate, weight_decay: o.WeightDecay);
        var store = new CheckpointStore(o.Out);
        long start = 0;
        if (store.Latest() is { } latest)
        {
            start = store.Load(latest, model, optimizer);
            log.WriteLine($"resumed from {latest.Path} at step {start}");
        }
        else
        {
            if (o.InitFrom is { } init)
            {
                model.load_safetensors(init, strict: true);
                log.WriteLine($"initialised from {init} (warm restart: fresh optimizer, full schedule)");
            }
            File.WriteAllText(Path.Combine(o.Out, "train_options.json"), JsonSerializer.Serialize(o, JsonOptions));
        }
        Config.Save(Path.Combine(o.Out, "config.json"));
        using var batches = Augmentation.TrainBatches.Create(o, scenes, Config, log);
        var metricsPath = Path.Combine(o.Out, "metrics.jsonl");
        double elapsedBefore = start > 0 ? LastElapsed(metricsPath) : 0;   // elapsed_seconds continues across resumes
        using var metrics = new StreamWriter(metricsPath, append: true);
        var progress = new ProgressLine(log, o.Steps, start);
        var clock = Stopwatch.StartNew();
        model.train();
        for (long step = start; step < Math.Min(stopAt, o.Steps) && !cancel.IsCancellationRequested; step++)
        {
            using var scope = NewDisposeScope();
            double lr = PolySchedule.At(step, o);
            foreach (var g in optimizer.ParamGroups) g.LearningRate = lr;
            var (x, y) = batches.Get(step);
            optimizer.zero_grad();
            var output = model.call(x);
            var loss = Losses.Compute(output, y, Config.NumClasses, new LossWeights());
            loss.Total.backward();
            if (o.GradClip > 0) nn.utils.clip_grad_norm_(trainable, o.GradClip);
            optimizer.step();
            double total = loss.Total.item<float>();
            if (!double.IsFinite(total)) throw new InvalidOperationException($"loss became {total} at step {step}; lower --lr or check the data");
            var m = new StepMetrics(step + 1, total, loss.Class, loss.Mask, loss.Dice, loss.Identity, lr,
                progress.StepsPerSecond, elapsedBefore + clock.Elapsed.TotalSeconds);
            progress.Report(step + 1, total, lr);
            if ((step + 1) % o.LogEvery == 0 || step + 1 == o.Steps)
            {
                metrics.WriteLine(JsonSerializer.Serialize(m, JsonOptions));
                metrics.Flush();
            }
            if ((step + 1) % o.CheckpointEvery == 0 || step + 1 == o.Steps || step + 1 == stopAt) store.Save(step + 1, model, optimizer, Config);
        }
        progress.Done();
        metrics.Close();
        LossCurve.Write(metricsPath, Path.Combine(o.Out, "loss.png"));
        return model;
    }

    /// <summary>Freezes the encoders when asked (official parameter-efficient recipe); returns the trainable parameters.</summary>
    public static List<TorchSharp.Modules.Parameter> SetTrainable(MFuserModel model, bool freezeEncoders)
    {
        var trainable = new List<TorchSharp.Modules.Parameter>();
        foreach (var (name, p) in model.named_parameters())
        {
            bool train = !(freezeEncoders && ParameterReport.IsEncoderParameter(name));
            p.requires_grad = train;
            if (train) trainable.Add(p);
        }
        return trainable;
    }

    private static double LastElapsed(string metricsPath) => File.Exists(metricsPath)
        ? File.ReadLines(metricsPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<StepMetrics>(l, JsonOptions)!.ElapsedSeconds)
            .DefaultIfEmpty(0).Last()
        : 0;

    internal static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}

/// <summary>Single-line progress (bar, loss, lr, steps/s, ETA) on a terminal; one line every 5% when redirected.</summary>
internal sealed class ProgressLine(TextWriter log, long total, long start)
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly bool interactive = !Console.IsErrorRedirected && ReferenceEquals(log, Console.Error);
    private double smoothed = double.NaN;
    private long lastPrinted = start;
    public double StepsPerSecond { get; private set; }

    public void Report(long step, double loss, double lr)
    {
        StepsPerSecond = (step - start) / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        smoothed = double.IsNaN(smoothed) ? loss : 0.9 * smoothed + 0.1 * loss;
        var eta = TimeSpan.FromSeconds((total - step) / Math.Max(1e-9, StepsPerSecond));
        int filled = (int)(30 * step / Math.Max(1, total));
        string line = $"[{new string('#', filled)}{new string('-', 30 - filled)}] {step}/{total} loss {smoothed:F3} lr {lr:E2} {StepsPerSecond:F2} " +
                      $"it/s ETA {eta:hh\\:mm\\:ss}";
        if (interactive) log.Write("\r" + line);
        else if (step == total || step - lastPrinted >= Math.Max(1, total / 20)) { log.WriteLine(line); lastPrinted = step; }
    }

    public void Done() { if (interactive) log.WriteLine(); }
}
