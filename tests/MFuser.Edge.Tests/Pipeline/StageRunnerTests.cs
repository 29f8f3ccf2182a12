using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Pipeline;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="StageRunner"/>: stages in order with their own latency keys; a stage that throws is counted and
/// the stages after it still run; <see cref="IFrameStage.EndOfRun"/> once at the end.</summary>
public sealed class StageRunnerTests
{
    private sealed class Probe(string name, bool fail = false) : IFrameStage
    {
        public List<long> Frames { get; } = [];
        public List<string> Drivable { get; } = [];
        public int Ends { get; private set; }
        public string Name => name;

        public void Process(FrameContext frame)
        {
            Frames.Add(frame.Stamp.Frame);
            Drivable.Add(System.Text.Encoding.UTF8.GetString(frame.DrivableJson.Span));
            Assert.Equal(frame.LabelsPng(), frame.LabelsPng()); // encoded once per frame, then shared
            if (fail)
                throw new InvalidOperationException("boom");
        }

        public void EndOfRun() => Ends++;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }

    [Fact]
    public void A_failing_stage_is_counted_and_the_next_stages_still_get_every_frame()
    {
        using var harness = new StageHarness();
        var (first, failing, last) = (new Probe("first"), new Probe("failing", fail: true), new Probe("last"));
        var runner = harness.Run([first, failing, last], 5);

        Assert.Equal([0L, 1, 2, 3, 4], last.Frames);
        Assert.Equal(first.Frames, failing.Frames);
        Assert.Equal(5, runner.StageErrors);
        Assert.Equal((1, 1, 1), (first.Ends, failing.Ends, last.Ends));
        Assert.Equal(["preprocess", "inference", "analysis", "capture_to_publish", "first", "failing", "last"],
            runner.Latencies.Summarise(true).Keys);
        Assert.All(last.Drivable, json => Assert.Contains("\"drivable_fraction\":0.5", json));
        Assert.Equal(0.5f, runner.LastDrivableFraction);
    }
}
