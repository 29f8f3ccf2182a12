namespace MFuser.Edge.Pipeline.Stages;

/// <summary>A stage that follows the runtime settings (<c>&lt;base&gt;/&lt;setting&gt;/set</c>, docs/mqtt-api.md); the
/// <see cref="StageFactory"/> wires every such stage to the settings in one place.</summary>
public interface IRuntimeSettingsListener
{
    /// <summary>Called on the thread that changed the setting (the MQTT receive path): must only store values.</summary>
    void SettingChanged(string name);
}
