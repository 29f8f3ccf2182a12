namespace MFuser.Edge.Client;

/// <summary>The device's <c>available</c> topic: <see cref="Unknown"/> until the retained value arrives.</summary>
public enum DeviceAvailability
{
    Unknown,

    /// <summary>Connected, retained state published.</summary>
    Online,

    /// <summary>Shut down cleanly.</summary>
    Stopped,

    /// <summary>The broker published the Last Will: the connection died (crash, power or network loss).</summary>
    Offline,
}
