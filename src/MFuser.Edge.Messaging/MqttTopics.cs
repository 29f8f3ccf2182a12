namespace MFuser.Edge.Messaging;

/// <summary>The full topic names under one base topic <c>&lt;prefix&gt;/&lt;device_id&gt;</c> (docs/mqtt-api.md), built once so
/// the hot path never concatenates strings.</summary>
public sealed class MqttTopics(string baseTopic)
{
    public string Base { get; } = baseTopic;
    public string Available { get; } = baseTopic + "/available";
    public string Info { get; } = baseTopic + "/info";
    public string Drivable { get; } = baseTopic + "/drivable";
    public string Segmentation { get; } = baseTopic + "/segmentation";
    public string Overlay { get; } = baseTopic + "/overlay";
    public string DomainShift { get; } = baseTopic + "/domain_shift";
    public string Stats { get; } = baseTopic + "/stats";

    /// <summary><c>&lt;base&gt;/&lt;setting&gt;/set</c>: where integrators write a runtime setting.</summary>
    public string SettingSet(string setting) => $"{Base}/{setting}/set";

    /// <summary><c>&lt;base&gt;/&lt;setting&gt;/state</c>: the retained current value of a runtime setting.</summary>
    public string SettingState(string setting) => $"{Base}/{setting}/state";
}
