using MFuser.Edge.Startup;
using System.CommandLine;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Inference;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge validate-model &lt;dir&gt;</c>: the package checks of start-up plus one warm-up inference,
/// then a summary. Exit 0 when the package is usable, 3 when a check fails.</summary>
internal static class ValidateModelCommand
{
    public static Command Create(CommonOptions common)
    {
        var dir = new Argument<string>("dir") { Description = "Model package directory (model.json + ONNX file)" };
        var command = new Command("validate-model", "Check a model package against the model contract and run one warm-up inference");
        command.Arguments.Add(dir);
        common.AddTo(command);
        command.SetAction(parse =>
        {
            var config = common.Load(parse);
            void Report(string line) => Console.WriteLine($"  {line}");
            using var model = ModelStack.Open(config, Report, packagePath: parse.GetValue(dir)!, warmUpRuns: 1);
            var (package, session, warmup) = (model.Package, model.Session, model.WarmUp);
            var m = package.Manifest;
            Console.WriteLine($"model package   {package.Directory}");
            Console.WriteLine($"name / version  {m.Name} {m.Version}");
            Console.WriteLine($"onnx            {m.OnnxFile}  sha256 {m.Sha256} (verified)");
            Console.WriteLine($"input           image uint8 [1, {m.Input.Height}, {m.Input.Width}, 3] BGR");
            Console.WriteLine($"outputs         {string.Join(", ", m.Outputs)} (embedding dim {m.EmbeddingDim})");
            Console.WriteLine($"classes         {m.Classes.Count}: " +
                              $"{string.Join(", ", m.Classes.Select(c => $"{c.Id} {c.Name}{(c.Drivable ? " (drivable)" : "")}"))}");
            Console.WriteLine($"custom op       " +
                              $"{(m.CustomOp is { } op ? $"{op.Domain} >= {op.MinVersion} from {session.CustomOpLibrary}" : "none")}");
            Console.WriteLine($"architecture    {m.Architecture}");
            Console.WriteLine($"provider        {session.Provider} (node placement above)");
            Console.WriteLine($"warm-up         {warmup.TotalMilliseconds:F1} ms");
            Console.WriteLine("OK: the package satisfies the model contract");
            return ExitCodes.Ok;
        });
        return command;
    }
}
