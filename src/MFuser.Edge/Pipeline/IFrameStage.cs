namespace MFuser.Edge.Pipeline;

/// <summary>
/// One step after inference, run once per processed frame on the stage thread, in the order the
/// <see cref="Stages.StageFactory"/> built them (docs/architecture.md). A stage that the configuration turns off is not
/// in the list. <see cref="Process"/> must return quickly: anything slow (network, disk, serial, browsers) is handed to
/// the stage's own queue or thread, and a full queue drops (counted) rather than waits.
/// </summary>
public interface IFrameStage : IStatsSource, IAsyncDisposable
{
    /// <summary>Short snake_case name: the key of its latency in <c>stats.latency_ms</c> and in the metrics.</summary>
    string Name { get; }

    /// <summary>Starts the stage's own threads, if any; called once before the first frame.</summary>
    void Start() { }

    void Process(FrameContext frame);

    /// <summary>Called once on the stage thread after the last frame of the run.</summary>
    void EndOfRun() { }
}
