using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;

namespace MFuser.Edge.Client.Payloads;

/// <summary>
/// <c>&lt;base&gt;/domain_shift</c>: one event of a domain-shift episode (docs/mqtt-api.md, docs/field-logging.md).
/// Delivered at least once: de-duplicate on <see cref="EventId"/>. Source of docs/schemas/domain_shift.json.
/// </summary>
/// <param name="Seq">Position of this event in its episode, from 0 (<c>new</c>).</param>
/// <param name="Dominant">The signal with the largest deviation (a name such as <c>sharpness</c>).</param>
/// <param name="Signals">The raw signals by name; signals the monitor does not measure are left out.</param>
/// <param name="Z">Each signal's deviation from the in-domain reference, in standard deviations.</param>
/// <param name="Gps">The fresh fix, or null without one.</param>
public sealed record DomainShiftEvent(
    EpisodeEventKind Event,
    string EventId,
    string EpisodeId,
    [property: Range(0, int.MaxValue)] int Seq,
    [property: Range(0, long.MaxValue)] long Frame,
    DateTimeOffset CapturedAt,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    EpisodeEndReason? EndReason,
    [property: Range(0.0, double.MaxValue)] double DurationS,
    double Score,
    double PeakScore,
    string Dominant,
    IReadOnlyDictionary<string, double> Signals,
    IReadOnlyDictionary<string, double> Z,
    GpsFix? Gps);

/// <summary>Stage of an episode event.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeEventKind>))]
public enum EpisodeEventKind
{
    [JsonStringEnumMemberName("new")] New,
    [JsonStringEnumMemberName("update")] Update,
    [JsonStringEnumMemberName("end")] End,
}

/// <summary>Why an episode ended: the scene recovered, the daemon stopped with it open, or (with <c>spool.dir</c>) the
/// daemon was cut off with it open and closed it on its next start.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EpisodeEndReason>))]
public enum EpisodeEndReason
{
    [JsonStringEnumMemberName("recovered")] Recovered,
    [JsonStringEnumMemberName("shutdown")] Shutdown,
    [JsonStringEnumMemberName("restart")] Restart,
}
