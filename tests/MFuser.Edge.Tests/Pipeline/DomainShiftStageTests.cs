using System.Text.Json;
using MFuser.Edge.Core.DomainShift;
using MFuser.Edge.Core.Payloads;
using MFuser.Edge.Messaging;
using MFuser.Edge.Pipeline.Stages;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using OpenCvSharp;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary><see cref="DomainShiftStage"/> on the real frame path: a scene that turns black opens an episode, published
/// must-deliver on a real mosquitto and handed to the recorder; an episode open at the end of the run ends with
/// <c>end_reason: "shutdown"</c>.</summary>
public sealed class DomainShiftStageTests
{
    private sealed class Recorder : IEpisodeRecorder
    {
        public List<EpisodeEvent> Events { get; } = [];
        public int SignalFrames { get; private set; }

        public void Episode(EpisodeEvent e, byte[] json) => Events.Add(e);

        public void Signals(in FrameStamp frame, ReadOnlySpan<byte> json)
        {
            JsonDocument.Parse(json.ToArray()).Dispose();
            SignalFrames++;
        }
    }

    [Fact]
    public async Task A_blackout_opens_an_episode_that_the_end_of_the_run_closes()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        using var harness = new StageHarness();
        await using var link = new MqttLink(new MqttLinkOptions { Host = broker.Host, Port = broker.Port, DeviceId = "shift" });
        link.Start();
        Assert.True(await link.WaitConnectedAsync(TimeSpan.FromSeconds(10)));
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, link.Topics.DomainShift);
        var recorder = new Recorder();
        var options = new DomainShiftOptions { Warmup = TimeSpan.FromSeconds(2) };
        var stage = new DomainShiftStage(options, null, harness.Width, harness.Height,
            new EpisodePublisher(link, null, NullLogger.Instance), recorder,
            () => null, NullLogger.Instance);

        // 10 frames/s of synthetic time: 3 s of road and sky (the warm-up learns them), then 3 s of black.
        var runner = harness.Run([stage], 60, (i, image) =>
        {
            if (i < 30)
                StageHarness.RoadAndSky(i, image);
            else
                image.SetTo(Scalar.Black);
        });
        await stage.DisposeAsync();

        Assert.Equal(["new", "end"], recorder.Events.Select(e => e.KindName));
        Assert.InRange(recorder.Events[0].Frame.Frame, 30, 59);
        Assert.Equal(EpisodeEndReason.Shutdown, recorder.Events[1].EndReason);
        Assert.Equal(60, recorder.SignalFrames);
        var end = await probe.WaitForAsync(m => m.Text.Contains("\"end\""), TimeSpan.FromSeconds(10));
        Assert.Equal("shutdown", JsonDocument.Parse(end.Payload).RootElement.GetProperty("end_reason").GetString());
        Assert.Equal(2, probe.On(link.Topics.DomainShift).Count);
        var stats = stage.AddStats(Empty).DomainShift!;
        Assert.Equal((2L, 2L, 0L, false), (stats.Events, stats.EventsStored, stats.EventsRefused, stats.InEpisode));
        Assert.Equal(["preprocess", "inference", "analysis", "capture_to_publish", "domain_shift"], runner.Latencies.Summarise(true).Keys);
    }

    internal static readonly StatsPayload Empty = new(DateTimeOffset.UnixEpoch, 0, 0, 0, 0, 0, 0, 0, new Dictionary<string, LatencyPercentiles>(),
        new MqttStats(false, null, 0, 0, 0, 0, 0), new MemoryStats(0, 0));
}
