using System.CommandLine;
using MFuser.ModelPackage.Classes;
using MFuser.Scenes;
using MFuser.Training.TextPrior;

namespace MFuser.Training.Cli;

/// <summary><c>mfuser-train text-prior</c>: regenerates the bundled class-name table with the packaged MiniLM encoder.</summary>
public static class TextPriorCommand
{
    public static Command Create()
    {
        var outFile = new Option<string>("--out")
        {
            Description = "where to write the table", DefaultValueFactory = _ => ClassTextTable.ResourceFile,
        };
        var cmd = new Command("text-prior", "embed the 19 raw Cityscapes class names with all-MiniLM-L6-v2 (the text prior's constant T0)")
        {
            outFile,
        };
        cmd.SetAction(r =>
        {
            var table = MiniLmEncoder.Table(TrainIds.Names);
            var path = r.GetValue(outFile)!;
            File.WriteAllText(path, table.ToJson());
            Console.Error.WriteLine($"{table.Texts.Length}x{table.Dim} embeddings of [{string.Join(", ", table.Texts)}] -> {path}");
            return 0;
        });
        return cmd;
    }
}
