using System.Globalization;
using MFuser.Edge.Core.Config;
using MFuser.Edge.Startup;
using MFuser.Edge.Inference;
using MFuser.Edge.Systemd;

namespace MFuser.Edge.Startup;

/// <summary>Starts a <see cref="SegmentationSession"/> from the configuration: reports each provider attempt, the engine
/// cache and the node placement, and — under systemd — keeps extending the start timeout (EXTEND_TIMEOUT_USEC) while
/// the session is created and warmed up, since a TensorRT engine build on a Jetson takes minutes.</summary>
public static class ModelRuntime
{
    /// <summary>How often start-up phases tell systemd they are alive, and how much time each message asks for.
    /// Each message asks for several intervals, so one late tick on a busy device does not get the daemon killed.</summary>
    public static readonly TimeSpan KeepAliveInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan KeepAliveExtension = TimeSpan.FromSeconds(60);

    /// <summary>Progress lines go to the report this often while a phase runs.</summary>
    public static readonly TimeSpan ProgressEvery = TimeSpan.FromSeconds(30);

    /// <summary>The session settings of <paramref name="config"/>, profiling the warm-up for the placement report.</summary>
    public static SessionSettings Settings(EdgeConfig config) =>
        new(config.Inference.Providers, config.Inference.IntraOpThreads, config.Inference.CustomOpLibrary, config.Inference.TensorRt,
            ReportPlacement: true);

    /// <param name="report">Receives one line per provider that failed, then the one in use (and its engine cache).</param>
    /// <param name="notifier">systemd notifier; null outside the daemon.</param>
    /// <param name="create">Creates the session (tests inject a slow one); default <see cref="SegmentationSession.Create"/>.</param>
    /// <param name="keepAliveInterval">Defaults to <see cref="KeepAliveInterval"/>.</param>
    public static SegmentationSession Open(PackageDirectory package, SessionSettings settings, Action<string> report,
        SystemdNotifier? notifier = null, Func<PackageDirectory, SessionSettings, SegmentationSession>? create = null,
        TimeSpan? keepAliveInterval = null)
    {
        var phase = settings.Providers.Contains("tensorrt")
            ? "creating the model session (a TensorRT engine build can take minutes)"
            : "creating the model session";
        var session = WhileAlive(phase, report, notifier, keepAliveInterval, () => (create ?? SegmentationSession.Create)(package, settings));
        foreach (var a in session.Attempts.Where(a => !a.Succeeded))
            report($"execution provider {a.Provider} unavailable: {a.Detail}");
        report($"execution provider in use: {session.Provider} ({session.Model.File}, " +
               $"sha256 {session.Model.Sha256[..12]}…, {session.Model.Verified})");
        if (session.EngineCache is { } cache)
            report($"TensorRT engine cache {cache.Directory} (key {cache.Key.Key}; inputs in {EngineCacheKey.FileName})");
        return session;
    }

    /// <summary>Warms the session up under the same keep-alive and reports where its nodes ran.</summary>
    public static TimeSpan WarmUp(SegmentationSession session, int runs, Action<string> report, SystemdNotifier? notifier = null,
        TimeSpan? keepAliveInterval = null)
    {
        var time = WhileAlive($"warming up on {session.Provider}", report, notifier, keepAliveInterval, () => session.WarmUp(runs));
        if (session.Placement is { } placement)
            foreach (var line in placement.Lines())
                report($"node placement {line}");
        if (session.PlacementProblem is { } problem)
            report(problem);
        return time;
    }

    private static T WhileAlive<T>(string phase, Action<string> report, SystemdNotifier? notifier, TimeSpan? keepAliveInterval, Func<T> work)
    {
        var interval = keepAliveInterval ?? KeepAliveInterval;
        var extension = keepAliveInterval is { } custom ? 6 * custom : KeepAliveExtension;
        notifier?.ExtendTimeout(extension, phase);
        var nextProgress = ProgressEvery;
        return Heartbeat.Around(interval, elapsed =>
        {
            notifier?.ExtendTimeout(extension, $"{phase}: {Elapsed(elapsed)} elapsed");
            if (elapsed >= nextProgress)
            {
                report($"still {phase}: {Elapsed(elapsed)} elapsed");
                nextProgress += ProgressEvery;
            }
        }, work);
    }

    /// <summary>m:ss (h:mm:ss past an hour).</summary>
    public static string Elapsed(TimeSpan t) =>
        t.ToString(t.TotalHours >= 1 ? @"h\:mm\:ss" : @"m\:ss", CultureInfo.InvariantCulture);
}
