namespace MFuser.Edge.Messaging;

/// <summary>The full topic names under one base topic <c>&lt;prefix&gt;/&lt;device_id&gt;</c> (DESIGN.md §4), built once so
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

    /// <summary><c>&lt;base&gt;/cmd/&lt;name&gt;</c> and its reply topic <c>…/result</c>.</summary>
    public string Command(string name) => $"{Base}/cmd/{name}";
    public string CommandResult(string name) => $"{Base}/cmd/{name}/result";

    /// <summary>Any other topic below the base.</summary>
    public string Of(string suffix) => $"{Base}/{suffix}";
}
