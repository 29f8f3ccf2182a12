using System.CommandLine;
using MFuser.Scenes.Cli;

var root = new RootCommand("mfuser-scenes: synthetic driving scenes with exact labels and controlled domain shifts")
{
    ExportCommand.Create(),
    SheetCommand.Create(),
    StatsCommand.Create(),
};
return root.Parse(args).Invoke();
