using System.CommandLine;
using MFuser.Edge.Capture;
using MFuser.Edge.Core.Calibration;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Cli;
using MFuser.Edge.Inference;
using MFuser.ModelPackage.Classes;
using MFuser.ModelPackage.Manifest;

namespace MFuser.Edge;

/// <summary>Entry point of <c>mfuser-edge</c>: parses the command line and maps failures to exit codes
/// (2 configuration, 3 model package, 4 source unavailable, 5 no execution provider; see docs/configuration.md).
/// Anything else that escapes becomes one line and exit code 1 — never a stack trace or a crash dump (exit 134).</summary>
public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        OrtTelemetry.DisableInEnvironment(); // before any other thread reads the environment and before ONNX Runtime loads
        AppDomain.CurrentDomain.UnhandledException += (_, e) =>
            Environment.Exit(Fail(ExitCodes.Unexpected, $"unexpected {Describe(e.ExceptionObject as Exception)}"));
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
            return await root.Parse(args).InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                // SIGTERM cancels the run, which then drains the MQTT link (shutdown.drain_s ≤ 20 s) and exits 0; the default
                // 2 s would cut that short and exit 143. 30 s matches the host's shutdown timeout and TimeoutStopSec.
                ProcessTerminationTimeout = TimeSpan.FromSeconds(30),
            });
        }
        catch (ConfigException e)
        {
            return Fail(ExitCodes.Configuration, e.Message);
        }
        catch (CalibrationException e)
        {
            return Fail(ExitCodes.Configuration, $"analysis.calibration: {e.Message}");
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
        catch (OperationCanceledException)
        {
            return ExitCodes.Ok; // stopped (Ctrl-C, SIGTERM) before the daemon was running
        }
        catch (Exception e)
        {
            return Fail(ExitCodes.Unexpected, $"unexpected {Describe(e)}");
        }
    }

    /// <summary>"IOException: message" on one line (inner exceptions appended), URL passwords masked.</summary>
    private static string Describe(Exception? e)
    {
        var parts = new List<string>();
        for (; e is not null && parts.Count < 3; e = e.InnerException)
            parts.Add($"{e.GetType().Name}: {e.Message}");
        return Secrets.RedactUrls(string.Join(" <- ", parts).ReplaceLineEndings(" "));
    }

    /// <summary>Prints the error: each of its lines made printable (a package's text or a decoded URI may hold control
    /// characters) and cut, so hostile input cannot forge lines or drive the terminal.</summary>
    private static int Fail(int code, string message)
    {
        message = string.Join(Environment.NewLine, message.Split('\n').Select(line => Secrets.Printable(line.TrimEnd('\r'), Secrets.MaxExplained)));
        Console.Error.WriteLine($"mfuser-edge: error: {message}");
        return code;
    }
}
