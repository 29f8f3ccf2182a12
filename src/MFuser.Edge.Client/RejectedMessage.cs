namespace MFuser.Edge.Client;

/// <summary>A message on a followed topic that did not match the contract, and why.</summary>
public sealed record RejectedMessage(string Topic, string Reason);
