using System.CommandLine;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Cli;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge;

/// <summary>Entry point of <c>mfuser-edge</c>: parses the command line and maps failures to exit codes
/// (2 configuration, 3 model package, 4 source unavailable, 5 no execution provider; see docs/configuration.md).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var common = new CommonOptions();
        var root = new RootCommand("mfuser-edge: drivable-area segmentation on the edge, published over MQTT");
        root.Subcommands.Add(RunCommand.Create(common));
        root.Subcommands.Add(ValidateModelCommand.Create(common));
        root.Subcommands.Add(InfoCommand.Create(common));
        root.Subcommands.Add(CalibrateDomainCommand.Create(common));
        root.Subcommands.Add(BuildEngineCommand.Create(common));
        root.Subcommands.Add(EpisodesCommand.Create());
        try
        {
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
        }
        catch (ConfigException e)
        {
            return Fail(ExitCodes.Configuration, e.Message);
        }
        catch (ModelPackageException e)
        {
            return Fail(ExitCodes.ModelPackage, $"model package check failed: {e.Message}");
        }
        catch (SourceUnavailableException e)
        {
            return Fail(ExitCodes.SourceUnavailable, e.Message);
        }
        catch (ProviderUnavailableException e)
        {
            return Fail(ExitCodes.NoExecutionProvider, e.Message);
        }
    }

    private static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"mfuser-edge: error: {message}");
        return code;
    }
}
