using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.Core.Geo;
using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;
using static MFuser.TestSupport.EmbeddingSamples;

namespace MFuser.Edge.Core.Tests.DomainShift;

/// <summary>The domain-shift monitor: an embedding-driven episode, the end at shutdown, the episode payload and the
/// allocation-free per-frame path.</summary>
public sealed class DomainShiftMonitorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void An_embedding_shift_opens_an_episode_led_by_the_embedding()
    {
        var monitor = new DomainShiftMonitor(new DomainShiftOptions(), Baseline());
        var rng = new Random(3);
        var events = new List<EpisodeEvent>();
        for (var i = 0; i < 400; i++) // 10 Hz: in domain 0–10 s, embedding shifted 10–20 s, back 20–40 s
        {
            var shifted = i is >= 100 and < 200;
            var signals = DomainSignals.From(new ImageStats(0.5, 0.2, 900), 0.9, 0.1);
            var e = monitor.Observe(signals, Gaussian(rng, 8, shifted ? 3 : 0), new FrameStamp(i, T0 + TimeSpan.FromMilliseconds(100 * i)));
            if (e is not null)
                events.Add(e);
        }
        Assert.Equal([EpisodeEventKind.New, EpisodeEventKind.Update, EpisodeEventKind.Update, EpisodeEventKind.End], events.Select(e => e.Kind));
        Assert.Equal(ShiftSignal.EmbeddingDistance, events[0].Dominant);
        Assert.Equal(EpisodeEndReason.Recovered, events[^1].EndReason);
        var frame = JsonDocument.Parse(new ShiftSignalsWriter().Write(monitor, new FrameStamp(400, T0.AddSeconds(40)))).RootElement;
        Assert.Equal(400, frame.GetProperty("frame").GetInt64());
        Assert.Equal(JsonValueKind.Null, frame.GetProperty("episode_id").ValueKind);
        Assert.Equal(monitor.Score, frame.GetProperty("score").GetDouble(), 3);
        Assert.True(frame.GetProperty("signals").TryGetProperty("embedding_distance", out _));
        Assert.InRange((events[0].Frame.CapturedAt - T0).TotalSeconds, 10, 12);
        Assert.InRange((events[^1].EndedAt!.Value - T0).TotalSeconds, 20, 25);
    }

    [Fact]
    public void An_episode_still_open_at_shutdown_ends_with_reason_shutdown_once()
    {
        var monitor = new DomainShiftMonitor(new DomainShiftOptions(), Baseline());
        var rng = new Random(4);
        Assert.Null(monitor.EndOpenEpisode(T0));
        var events = new List<EpisodeEvent>();
        for (var i = 0; i < 200; i++) // in domain 0–10 s, embedding shifted from 10 s until the daemon stops at 20 s
        {
            var signals = DomainSignals.From(new ImageStats(0.5, 0.2, 900), 0.9, 0.1);
            if (monitor.Observe(signals, Gaussian(rng, 8, i >= 100 ? 3 : 0), new FrameStamp(i, T0 + TimeSpan.FromMilliseconds(100 * i))) is { } e)
                events.Add(e);
        }
        Assert.True(monitor.InEpisode);
        var stop = T0.AddSeconds(20.5);
        var end = monitor.EndOpenEpisode(stop);
        Assert.NotNull(end);
        Assert.Equal((EpisodeEventKind.End, EpisodeEndReason.Shutdown, stop, 199L), (end.Kind, end.EndReason, end.EndedAt, end.Frame.Frame));
        Assert.Equal(events[0].EpisodeId, end.EpisodeId);
        Assert.Equal(events[^1].Sequence + 1, end.Sequence);
        Assert.All(events, e => Assert.Null(e.EndReason));
        Assert.False(monitor.InEpisode);
        Assert.Null(monitor.EndOpenEpisode(stop));
        var json = JsonDocument.Parse(EpisodeEventJson.Serialize(end, null)).RootElement;
        Assert.Equal("shutdown", json.GetProperty("end_reason").GetString());
    }

    [Fact]
    public void The_episode_payload_carries_ids_signals_and_the_fix()
    {
        var signals = new double[ShiftSignals.Count];
        Array.Fill(signals, double.NaN);
        signals[(int)ShiftSignal.Brightness] = 0.12;
        var z = (double[])signals.Clone();
        z[(int)ShiftSignal.Brightness] = 9.5;
        var e = new EpisodeEvent(EpisodeEventKind.End, "abc", 4, new FrameStamp(77, T0.AddSeconds(30)), T0.AddSeconds(10),
            T0.AddSeconds(30), 1.1, 9.5,
            ShiftSignal.Brightness, signals, z);
        var fix = new GeoFix(48.137, 11.575, 519.5, GeoFixQuality.RtkFixed, T0.AddSeconds(29.9), 14, 0.6);
        var json = JsonDocument.Parse(EpisodeEventJson.Serialize(e, fix)).RootElement;
        Assert.Equal("end", json.GetProperty("event").GetString());
        Assert.Equal("abc/4", json.GetProperty("event_id").GetString());
        Assert.Equal(77, json.GetProperty("frame").GetInt64());
        Assert.Equal("2026-11-26T12:00:30.000Z", json.GetProperty("captured_at").GetString());
        Assert.Equal(20, json.GetProperty("duration_s").GetDouble());
        Assert.Equal(0.12, json.GetProperty("signals").GetProperty("brightness").GetDouble());
        Assert.False(json.GetProperty("signals").TryGetProperty("contrast", out _)); // absent signals are left out
        Assert.Equal("brightness", json.GetProperty("dominant").GetString());
        Assert.Equal(4, json.GetProperty("gps").GetProperty("fix_quality").GetInt32());
        Assert.Equal(48.137, json.GetProperty("gps").GetProperty("lat").GetDouble());
        var noFix = JsonDocument.Parse(EpisodeEventJson.Serialize(e with { Kind = EpisodeEventKind.New, EndedAt = null }, null)).RootElement;
        Assert.Equal(JsonValueKind.Null, noFix.GetProperty("gps").ValueKind);
        Assert.Equal(JsonValueKind.Null, noFix.GetProperty("ended_at").ValueKind);
    }

    [Fact]
    public void The_per_frame_path_allocates_nothing_in_steady_state()
    {
        const int w = 320, h = 160;
        var frame = new byte[w * h * 3];
        new Random(4).NextBytes(frame);
        var stats = new ImageStatistics(w, h);
        // image signals and the distance statistics are learned in the warm-up; the embedding reference is given
        var monitor = new DomainShiftMonitor(new DomainShiftOptions { Warmup = TimeSpan.FromSeconds(1) },
            new DomainReference { Embedding = Baseline().Embedding });
        var writer = new ShiftSignalsWriter();
        var embedding = Gaussian(new Random(8), 8, 0);
        void Step(int i)
        {
            var stamp = new FrameStamp(i, T0 + TimeSpan.FromMilliseconds(100 * i));
            var e = monitor.Observe(DomainSignals.From(stats.Compute(frame), 0.9, 0.1), embedding, stamp);
            Assert.Null(e); // constant in-domain input: no event (events may allocate)
            writer.Write(monitor, stamp);
        }
        for (var i = 0; i < 50; i++)
            Step(i); // warm-up: buffers grow, JIT tiers settle
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 50; i < 250; i++)
            Step(i);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
