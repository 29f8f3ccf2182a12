using MFuser.Edge.Core.Control;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Pipeline;

/// <summary>The MQTT control surface (<c>control.enabled</c>, docs/mqtt-api.md): the runtime settings and the commands
/// the stages answer, routed from <c>&lt;base&gt;/+/set</c> and <c>&lt;base&gt;/cmd/+</c>.</summary>
public sealed class ControlSurface : IStatsSource
{
    private readonly ControlRouter _router;

    private ControlSurface(MqttLink link, RuntimeSettings settings, IReadOnlyDictionary<string, CommandHandler> commands, ILoggerFactory loggers)
    {
        _router = new ControlRouter(settings, commands);
        new MqttControl(link, _router, loggers.CreateLogger<MqttControl>()).Attach();
    }

    /// <summary>Subscribes the control topics (call before <see cref="MqttLink.Start"/>); null when control is off.</summary>
    /// <param name="commands">Handlers of the commands the stages answer; a command without one is answered "not available".</param>
    public static ControlSurface? Attach(bool enabled, MqttLink link, RuntimeSettings settings, IReadOnlyDictionary<string, CommandHandler> commands,
        ILoggerFactory loggers) => enabled ? new ControlSurface(link, settings, commands, loggers) : null;

    public StatsPayload AddStats(StatsPayload stats)
    {
        var c = _router.Counters;
        return stats with { Control = new ControlStats(c.Accepted, c.Rejected, c.Failed) };
    }
}
