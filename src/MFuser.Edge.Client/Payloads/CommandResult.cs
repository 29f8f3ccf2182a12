namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// The answer on <c>&lt;base&gt;/&lt;setting&gt;/result</c> and <c>&lt;base&gt;/cmd/&lt;name&gt;/result</c>
/// (docs/mqtt-api.md). Source of docs/schemas/command_result.json.
/// </summary>
/// <param name="Name">The setting or command answered.</param>
/// <param name="Id">The request's <c>id</c> member, echoed; absent when the request had none.</param>
/// <param name="Error">Why the request was rejected or failed; absent when <see cref="Ok"/>.</param>
/// <param name="Data">Result members (strings), e.g. <c>value</c> of a setting; absent when there are none.</param>
public sealed record CommandResult(
    string Name,
    bool Ok,
    string? Id = null,
    string? Error = null,
    IReadOnlyDictionary<string, string>? Data = null);
