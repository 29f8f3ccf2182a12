using System.Diagnostics;
using MFuser.Edge.Core.Control;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MFuser.Edge.Messaging;

/// <summary>
/// Connects a <see cref="ControlRouter"/> to an <see cref="MqttLink"/>: publishes every setting's retained
/// <c>&lt;setting&gt;/state</c>, subscribes to <c>&lt;base&gt;/+/set</c> and <c>&lt;base&gt;/cmd/+</c>, and answers each
/// message on its <c>…/result</c> topic (QoS 1, through the link's must-deliver path) — and, for an accepted setting,
/// with the new retained state. Rejected payloads are logged at most once per second (with the number suppressed), so
/// a flood of bad input cannot flood the log. Create it only when commands are enabled in the configuration: without
/// it the daemon does not even subscribe.
/// </summary>
public sealed class MqttControl
{
    private static readonly long LogInterval = Stopwatch.Frequency;
    private readonly MqttLink _link;
    private readonly ControlRouter _router;
    private readonly ILogger _log;
    private readonly string _prefix;
    private long _lastLog = -LogInterval;
    private int _suppressed;

    public MqttControl(MqttLink link, ControlRouter router, ILogger<MqttControl>? logger = null)
    {
        _link = link;
        _router = router;
        _log = logger ?? (ILogger)NullLogger.Instance;
        _prefix = link.Topics.Base + "/";
    }

    /// <summary>Publishes the current states (retained) and subscribes; call once, before or after
    /// <see cref="MqttLink.Start"/>.</summary>
    public void Attach()
    {
        foreach (var (topic, value) in _router.States())
            _link.SetRetained(_prefix + topic, System.Text.Encoding.UTF8.GetBytes(value));
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
        if (r.StateTopic is not null)
        {
            _link.SetRetained(_prefix + r.StateTopic, System.Text.Encoding.UTF8.GetBytes(r.StateValue!));
            _log.LogInformation("MQTT control: {Topic} accepted, state now {Value}", message.Topic, r.StateValue);
        }
        else if (r.Accepted)
            _log.LogInformation("MQTT control: {Topic} done", message.Topic);
        else
            LogRejected(message.Topic, r.Error!);
        _link.EnqueueMustDeliver(_prefix + r.ResultTopic, r.ResultPayload);
        return Task.CompletedTask;
    }

    private void LogRejected(string topic, string error)
    {
        var now = Stopwatch.GetTimestamp();
        var last = Interlocked.Read(ref _lastLog);
        if (now - last < LogInterval || Interlocked.CompareExchange(ref _lastLog, now, last) != last)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }
        var suppressed = Interlocked.Exchange(ref _suppressed, 0);
        _log.LogWarning("MQTT control: {Topic} rejected: {Error} ({Suppressed} more rejections not logged since the last message; {Total} in all)",
            topic, error, suppressed, _router.Counters.Rejected);
    }
}
