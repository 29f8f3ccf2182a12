namespace MFuser.Edge.Messaging;

/// <summary>What <see cref="MqttLink.DrainAsync"/> did with the must-deliver messages at shutdown.</summary>
/// <param name="Delivered">Acknowledged by the broker during the drain.</param>
/// <param name="KeptInSpool">Still waiting, kept in the disk spool for the next start.</param>
/// <param name="Lost">Still waiting in the in-memory store (no <c>spool.dir</c>): gone with the process.</param>
/// <param name="CleanDisconnect">True when <c>available = stopped</c> went out and the link disconnected normally (the
/// broker then does not publish the Last Will).</param>
public sealed record DrainResult(int Delivered, int KeptInSpool, int Lost, bool CleanDisconnect);
