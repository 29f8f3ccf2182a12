using MFuser.Edge.Core.Payloads;

namespace MFuser.Edge.Pipeline;

/// <summary>A part of the daemon that fills its own typed block of the <c>stats</c> payload (docs/mqtt-api.md).</summary>
public interface IStatsSource
{
    /// <summary><paramref name="stats"/> with this part's block set (unchanged when it has none).</summary>
    StatsPayload AddStats(StatsPayload stats) => stats;
}
