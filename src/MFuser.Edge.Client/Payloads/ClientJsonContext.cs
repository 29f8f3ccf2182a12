using System.Text.Json.Serialization;

namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// Source-generated JSON metadata of the payloads: snake_case members, non-nullable members must not be null and
/// required constructor parameters must be present, so a payload that breaks the contract fails to parse instead of
/// arriving half-filled. Unknown members are ignored (newer daemons may add some).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(Drivable))]
[JsonSerializable(typeof(DomainShiftEvent))]
[JsonSerializable(typeof(CommandResult))]
[JsonSerializable(typeof(DeviceInfo))]
[JsonSerializable(typeof(DeviceStats))]
public sealed partial class ClientJsonContext : JsonSerializerContext;
