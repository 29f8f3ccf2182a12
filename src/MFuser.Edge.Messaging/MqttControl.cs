using System.Text;
using MFuser.Edge.Core.Control;
using MFuser.Edge.Messaging.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Messaging;

/// <summary>
/// Connects a <see cref="ControlRouter"/> to an <see cref="MqttLink"/>: publishes every setting's retained
/// <c>&lt;setting&gt;/state</c>, subscribes to <c>&lt;base&gt;/+/set</c> and <c>&lt;base&gt;/cmd/+</c>, and answers each
/// message on its <c>…/result</c> topic (QoS 1, through the link's must-deliver path) — and, for an accepted setting,
/// with the new retained state. A message without an addressable result topic is only counted (by the router). Every
/// per-message log line is rate-limited (one per second per kind, with the number held back), so a flood of input —
/// bad or good — cannot flood the log. Create it only when commands are enabled in the configuration: without it the
/// daemon does not even subscribe.
/// </summary>
public sealed class MqttControl
{
    private readonly MqttLink _link;
    private readonly ControlRouter _router;
    private readonly RateLimitedLog _log;
    private readonly string _prefix;

    public MqttControl(MqttLink link, ControlRouter router, ILogger<MqttControl>? logger = null)
    {
        _link = link;
        _router = router;
        _log = new RateLimitedLog(logger ?? (ILogger)NullLogger.Instance);
        _prefix = link.Topics.Base + "/";
    }

    /// <summary>Publishes the current states (retained) and subscribes; call once, before or after
    /// <see cref="MqttLink.Start"/>.</summary>
    public void Attach()
    {
        foreach (var (topic, value) in _router.States())
            _link.SetRetained(_prefix + topic, Encoding.UTF8.GetBytes(value));
        foreach (var filter in ControlRouter.SubscriptionFilters)
            _link.Subscribe(_prefix + filter, OnMessageAsync);
    }

    private Task OnMessageAsync(InboundMessage message)
    {
        if (!message.Topic.StartsWith(_prefix, StringComparison.Ordinal))
            return Task.CompletedTask;
        var reply = _router.Handle(message.Topic[_prefix.Length..], message.Payload);
        if (reply is not { } r)
            return Task.CompletedTask;
        var shown = message.Topic.Length > 120 ? $"{message.Topic[..120]}… ({message.Topic.Length} characters)" : message.Topic;
        if (r.StateTopic is not null)
        {
            _link.SetRetained(_prefix + r.StateTopic, Encoding.UTF8.GetBytes(r.StateValue!));
            _log.Log(LogLevel.Information, "control-accepted", "MQTT control: {Topic} accepted, state now {Value}", shown, r.StateValue);
        }
        else if (r.Accepted)
            _log.Log(LogLevel.Information, "control-accepted", "MQTT control: {Topic} done", shown);
        else
            _log.Log(LogLevel.Warning, "control-rejected:" + r.Reason, "MQTT control: {Topic} rejected ({Reason}): {Error}; {Total} rejected in all",
                shown, r.Reason ?? "failed", r.Error, _router.Counters.Rejected);
        if (r.ResultTopic is not null)
            _link.EnqueueMustDeliver(_prefix + r.ResultTopic, r.ResultPayload);
        return Task.CompletedTask;
    }
}
