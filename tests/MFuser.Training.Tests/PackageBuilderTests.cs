using System.Text.Json;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;
using MFuser.Onnx.Architecture;
using MFuser.Training.Packaging;

namespace MFuser.Training.Tests;

/// <summary><c>mfuser-train export</c>'s package: what the daemon reads from it, and which checkpoint a run folder gives.</summary>
public sealed class PackageBuilderTests
{
    private static readonly JsonSerializerOptions SnakeCase = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    private static string TempDir() =>
        Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "mfuser-pkg-" + Guid.NewGuid().ToString("N"))).FullName;

    [Fact]
    public void Random_weight_package_has_a_valid_manifest_domain_statistics_and_a_model_card()
    {
        var dir = TempDir();
        try
        {
            var messages = new List<string>();
            PackageBuilder.Build(new PackageRequest
            {
                Source = ExportSource.Resolve(run: null, checkpoint: null, preset: "tiny", randomSeed: 4),
                OutputDirectory = dir, Name = "mfuser-tiny-random", Version = "0.0.1", StatsFrames = 6,
                OpsLibrary = OpsLibrary.Find(), Threads = 2, CommandLine = "mfuser-train export --preset tiny --random-weights 4",
            }, messages.Add);

            var manifest = ManifestReader.ReadPackage(dir);
            Assert.Equal("mfuser-tiny-random", manifest.Name);
            Assert.Contains("random weights (seed 4)", manifest.Training.Provenance);
            Assert.Empty(manifest.Training.MIoU);
            Assert.Equal(SourceDomainStatistics.FileName, manifest.DomainStatistics);
            var reference = DomainReferenceFile.Load(Path.Combine(dir, SourceDomainStatistics.FileName));
            Assert.Equal(6, reference.Count);
            Assert.Equal(MFuserPresets.Tiny().EmbedDim, reference.Embedding!.Mean.Length);
            foreach (var signal in ShiftSignals.All)
                Assert.NotNull(reference[signal]);
            Assert.InRange(reference[ShiftSignal.Brightness]!.Value.Mean, 0.05, 0.95);
            foreach (var file in new[] { "model.onnx", "model.trt.onnx", "model.portable.onnx", "model.weights", "SHA256SUMS", ModelCard.FileName })
                Assert.True(File.Exists(Path.Combine(dir, file)), file);
            // One shared weights file, named with its digest; the graphs themselves hold no weights.
            Assert.Equal("model.weights", manifest.Weights?.File);
            using (var weights = File.OpenRead(Path.Combine(dir, "model.weights")))
                Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(weights)), manifest.Weights!.Sha256);
            Assert.True(new FileInfo(Path.Combine(dir, "model.onnx")).Length < new FileInfo(Path.Combine(dir, "model.weights")).Length / 4);
            var card = File.ReadAllText(Path.Combine(dir, ModelCard.FileName));
            Assert.Contains("random weights (seed 4)", card);
            Assert.Contains("| brightness |", card);
            Assert.Contains("mfuser-train export --preset tiny --random-weights 4", card);
            Assert.Contains(messages, m => m.Contains("domain statistics: 6/6 frames"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void A_run_folder_exports_its_newest_step_checkpoint_and_its_eval_table()
    {
        var run = TempDir();
        try
        {
            MFuserPresets.Tiny().Save(Path.Combine(run, "config.json"));
            foreach (var f in new[] { "step-000050.safetensors", "step-000300.safetensors", "step-000250.safetensors", "model.safetensors" })
                File.WriteAllText(Path.Combine(run, f), "");
            var source = ExportSource.Resolve(run, checkpoint: null, preset: null, randomSeed: null);
            Assert.Equal(Path.Combine(run, "step-000300.safetensors"), source.Checkpoint);
            Assert.Equal(300, source.Step);
            Assert.Contains("(step 300)", source.Provenance);

            foreach (var f in Directory.GetFiles(run, "step-*")) File.Delete(f);
            Assert.Equal(Path.Combine(run, "model.safetensors"), ExportSource.NewestCheckpoint(run));

            var mismatch = Assert.Throws<ArgumentException>(() => ExportSource.Resolve(run, null, preset: "small", randomSeed: null));
            Assert.Contains("does not match the run's config 'tiny'", mismatch.Message);
            var missing = Assert.Throws<ArgumentException>(() => ExportSource.Resolve(run, Path.Combine(run, "nope.safetensors"), null, null));
            Assert.Contains("nope.safetensors does not exist", missing.Message);
            Assert.Throws<ArgumentException>(() => ExportSource.Resolve(null, null, null, null));
        }
        finally
        {
            Directory.Delete(run, recursive: true);
        }
    }

    [Fact]
    public void Eval_json_round_trips_with_NaN_class_IoU()
    {
        var report = new Learning.EvalReport("tiny", 8, [new Learning.DomainResult("clear", 0.25, [0.5, double.NaN], 100)]);
        var back = Learning.Evaluator.FromJson(Learning.Evaluator.ToJson([report]), "eval.json");
        Assert.Equal("clear", back[0].Domains[0].Domain);
        Assert.Equal(0.25, back[0].Domains[0].MeanIoU);
        Assert.True(double.IsNaN(back[0].Domains[0].ClassIoU[1]));
        var bad = Assert.Throws<FormatException>(() => Learning.Evaluator.FromJson("{\"x\":1}", "runs/x/eval/eval.json"));
        Assert.Contains("runs/x/eval/eval.json", bad.Message);
    }

    [Fact]
    public void A_warm_restart_card_gives_the_first_run_command_then_the_restart_with_init_from()
    {
        var root = TempDir();
        try
        {
            var first = Directory.CreateDirectory(Path.Combine(root, "first")).FullName;
            var restart = Directory.CreateDirectory(Path.Combine(root, "restart")).FullName;
            var init = Path.Combine(first, "model.safetensors");
            File.WriteAllText(Path.Combine(first, "train_options.json"), JsonSerializer.Serialize(new Learning.TrainOptions
                { Steps = 8000, Seed = 2023, Augment = "official", TextPrior = "minilm", Out = first }, SnakeCase));
            File.WriteAllText(Path.Combine(restart, "train_options.json"), JsonSerializer.Serialize(new Learning.TrainOptions
                { Steps = 4500, Seed = 2024, LearningRate = 3e-4, Augment = "official", TextPrior = "minilm", InitFrom = init, Out = restart },
                SnakeCase));

            var lines = ModelCard.TrainCommands(restart);
            Assert.Equal(2, lines.Count);
            Assert.Contains("--steps 8000", lines[0]);
            Assert.Contains($"--out {first}", lines[0]);
            Assert.DoesNotContain("--init-from", lines[0]);
            Assert.Contains("--steps 4500", lines[1]);
            Assert.Contains("--seed 2024", lines[1]);
            Assert.Contains($"--init-from {init} --out {restart}", lines[1]);
            Assert.Contains("--augment official", lines[1]);
            Assert.Contains("--text-prior minilm", lines[1]);
            Assert.Single(ModelCard.TrainCommands(first));
            Assert.Empty(ModelCard.TrainCommands(root));

            // a restart of the restart: the whole chain, oldest first, with the third run's input alignment
            var third = Directory.CreateDirectory(Path.Combine(root, "third")).FullName;
            File.WriteAllText(Path.Combine(third, "train_options.json"), JsonSerializer.Serialize(new Learning.TrainOptions
                { Steps = 4500, Seed = 2025, Augment = "official", TextPrior = "minilm", InputAlign = "source",
                  InitFrom = Path.Combine(restart, "model.safetensors"), Out = third }, SnakeCase));
            var chain = ModelCard.TrainCommands(third);
            Assert.Equal(3, chain.Count);
            Assert.Equal(lines, chain.Take(2));
            Assert.Contains("--seed 2025", chain[2]);
            Assert.Contains("--input-align source", chain[2]);
            Assert.DoesNotContain("--input-align", chain[1]);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
