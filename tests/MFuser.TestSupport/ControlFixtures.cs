using MFuser.Edge.Core.Control;

namespace MFuser.TestSupport;

/// <summary>A control router with two recording command handlers (<c>snapshot</c>, <c>mark_event</c>; a mark labelled
/// <c>fail</c> fails), for the router's own tests and the MQTT binding's.</summary>
public static class ControlFixtures
{
    public static (ControlRouter Router, RuntimeSettings Settings, List<CommandRequest> Calls) NewRouter()
    {
        var settings = new RuntimeSettings(segmentationHz: 2, overlayHz: 0, recording: false);
        var calls = new List<CommandRequest>();
        var router = new ControlRouter(settings, new Dictionary<string, CommandHandler>
        {
            ["snapshot"] = r =>
            {
                lock (calls)
                    calls.Add(r);
                return CommandOutcome.Success(new Dictionary<string, string> { ["file"] = "snap-1.mcap" });
            },
            ["mark_event"] = r =>
            {
                lock (calls)
                    calls.Add(r);
                return r.Arguments["label"] == "fail" ? CommandOutcome.Failure("recorder is not running") : CommandOutcome.Success();
            },
        });
        return (router, settings, calls);
    }
}
