using System.CommandLine;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Pipeline;
using MFuser.Edge.Startup;
using SystemdNotifier = MFuser.Edge.Systemd.SystemdNotifier;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Cli;

/// <summary><c>mfuser-edge run</c>: the daemon as a .NET Generic Host app with systemd integration (journal-formatted
/// logs under systemd; sd_notify through <see cref="SystemdNotifier"/>). The model package is checked, its session
/// created and warmed up before the host starts — sending EXTEND_TIMEOUT_USEC every few seconds meanwhile
/// (<see cref="ModelRuntime"/>) so a long TensorRT engine build is not killed — and the daemon sends READY=1 once,
/// when capture starts. .NET's <c>AddSystemd()</c> lifetime is not used:
/// it would send a second READY=1 of its own.</summary>
internal static class RunCommand
{
    public static Command Create(CommonOptions common)
    {
        var command = new Command("run", "Run the daemon: capture -> segmentation -> drivable area -> MQTT");
        common.AddTo(command);
        command.SetAction(async (parse, ct) =>
        {
            var config = common.Load(parse);
            // Everything the configuration names is checked before the model loads: a bad input exits 2 at once.
            StartupChecks.Run(config);
            var statusLine = StatusLine.Enabled(config.StatusLine);
            using var notifier = SystemdNotifier.FromEnvironment();
            var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
            ConfigureLogging(builder.Logging, statusLine);
            // Start-up (model loading, warm-up) logs before the host exists, in the same format.
            using var startupLoggers = LoggerFactory.Create(l => ConfigureLogging(l, statusLine));
            var log = startupLoggers.CreateLogger("mfuser-edge");
            void Report(string line) => log.LogInformation("{Line}", line);
            using var model = ModelStack.Open(config, Report, notifier);
            log.LogInformation("model {Name} {Version} ready on {Provider}; warm-up {Ms:F1} ms", model.Package.Manifest.Name,
                model.Package.Manifest.Version, model.Session.Provider, model.WarmUp.TotalMilliseconds);
            var domainReference = DomainReferences.Resolve(config.DomainShift, model.Package);

            var outcome = new RunOutcome();
            builder.Services.AddHostedService(sp => new EdgeDaemon(config, model, domainReference, outcome, notifier,
                sp.GetRequiredService<IHostApplicationLifetime>(), sp.GetRequiredService<ILoggerFactory>()));
            using var host = builder.Build();
            await host.RunAsync(ct);
            if (outcome.Error is not null)
                Console.Error.WriteLine($"mfuser-edge: error: {outcome.Error}");
            return outcome.ExitCode;
        });
        return command;
    }

    /// <summary>journald format under systemd; one-line text next to the status line on a terminal; JSON otherwise.</summary>
    private static void ConfigureLogging(ILoggingBuilder logging, bool terminal)
    {
        logging.ClearProviders();
        logging.SetMinimumLevel(LogLevel.Information);
        logging.AddFilter("Microsoft.Hosting", LogLevel.Warning);
        if (SystemdHelpers.IsSystemdService())
            logging.AddSystemdConsole();
        else if (terminal)
            logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss "; });
        else
            logging.AddJsonConsole(o => { o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; o.UseUtcTimestamp = true; });
    }
}
