using System.Text;
using System.Text.Json;
using MFuser.Edge.DomainShift;
using MFuser.Edge.Geo;
using MFuser.Edge.Payloads;

namespace MFuser.Edge.FieldLog.Tests.DomainShift;

/// <summary>The pure parts of the domain-shift monitor: image statistics, the embedding reference, the baseline
/// accumulator and its file, the episode payload, and an embedding-driven episode.</summary>
public sealed class DomainShiftUnitTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 26, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Image_statistics_of_flat_and_checkered_frames()
    {
        const int w = 64, h = 32;
        var stats = new ImageStatistics(w, h);
        var flat = Enumerable.Repeat((byte)128, w * h * 3).ToArray();
        var s = stats.Compute(flat);
        Assert.Equal(128 / 255.0, s.Brightness, 6); // (29 + 150 + 77)·128 >> 8 = 128
        Assert.Equal(0, s.Contrast, 6);
        Assert.Equal(0, s.Sharpness, 6);

        var checker = new byte[w * h * 3];
        for (var y = 0; y < h; y++)
            for (var x = 0; x < w; x++)
                checker.AsSpan((y * w + x) * 3, 3).Fill((x + y) % 2 == 0 ? (byte)0 : (byte)255);
        var c = stats.Compute(checker);
        Assert.InRange(c.Contrast, 0.45, 0.5);
        Assert.True(c.Sharpness > 100_000, $"a pixel checkerboard is maximally sharp, got {c.Sharpness}");
        var e = Assert.Throws<ArgumentException>(() => stats.Compute(new byte[10]));
        Assert.Contains("64x32x3", e.Message);
    }

    [Fact]
    public void Mahalanobis_distance_matches_the_closed_form()
    {
        // Σ = diag(4, 1): the point (2, 0) is one standard deviation away → d² = 1, divided by E = 2.
        var r = EmbeddingReference.FromCovariance([0f, 0f], [4, 0, 0, 1], shrinkage: 0);
        Assert.Equal(Math.Sqrt(0.5), r.Distance([2f, 0f]), 5);
        Assert.Equal(Math.Sqrt(0.5), r.Distance([0f, 1f]), 5);

        // A correlated 3×3 covariance: P·Σ = I.
        double[] cov = [2, 0.5, 0.2, 0.5, 1, 0.3, 0.2, 0.3, 1.5];
        var p = EmbeddingReference.FromCovariance([1f, 2f, 3f], cov, shrinkage: 0).Precision.ToArray();
        for (var i = 0; i < 3; i++)
            for (var j = 0; j < 3; j++)
                Assert.Equal(i == j ? 1 : 0, Enumerable.Range(0, 3).Sum(k => p[i * 3 + k] * cov[k * 3 + j]), 4);

        var singular = Assert.Throws<ArgumentException>(() => EmbeddingReference.FromCovariance([0f, 0f], [1, 1, 1, 1], shrinkage: 0));
        Assert.Contains("positive definite", singular.Message);
        Assert.NotNull(EmbeddingReference.FromCovariance([0f, 0f], [1, 1, 1, 1], shrinkage: 0.1)); // shrinkage repairs it
    }

    private static float[] Gaussian(Random rng, int e, float shift)
    {
        var v = new float[e];
        for (var i = 0; i < e; i++)
            v[i] = shift + (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble())) * (1 + i % 3);
        return v;
    }

    private static DomainReference Baseline(int frames = 1500, int e = 8)
    {
        var rng = new Random(5);
        var baseline = new DomainBaseline(maxFrames: frames);
        for (var i = 0; i < frames; i++)
            baseline.Add(DomainSignals.From(new ImageStats(0.5 + 0.01 * Math.Sin(i), 0.2, 900), 0.9, 0.1), Gaussian(rng, e, 0));
        Assert.True(baseline.IsFull);
        return baseline.Build("unit test");
    }

    [Fact]
    public void A_baseline_scores_in_domain_embeddings_near_one_and_shifted_ones_far_out()
    {
        var reference = Baseline();
        var distance = reference[ShiftSignal.EmbeddingDistance]!.Value;
        Assert.InRange(distance.Mean, 0.85, 1.2);
        var rng = new Random(99);
        var inDomain = Enumerable.Range(0, 200).Average(_ => reference.Embedding!.Distance(Gaussian(rng, 8, 0)));
        var shifted = Enumerable.Range(0, 200).Average(_ => reference.Embedding!.Distance(Gaussian(rng, 8, 3)));
        Assert.InRange(inDomain, 0.8, 1.2);
        Assert.True((shifted - distance.Mean) / distance.Std > 4, $"shifted {shifted:0.00} vs reference {distance.Mean:0.00} ± {distance.Std:0.00}");
        Assert.Equal(0.5, reference[ShiftSignal.Brightness]!.Value.Mean, 2);
        Assert.Equal(Math.Log10(901), reference[ShiftSignal.Sharpness]!.Value.Mean, 6); // compared on the log scale
    }

    [Fact]
    public void The_reference_file_round_trips_and_names_bad_keys()
    {
        var reference = Baseline();
        var path = Path.Combine(Path.GetTempPath(), $"mfuser-domain-{Guid.NewGuid():N}.json");
        try
        {
            DomainReferenceFile.Save(reference, path);
            var loaded = DomainReferenceFile.Load(path);
            Assert.Equal("unit test", loaded.Source);
            Assert.Equal(1500, loaded.Count);
            foreach (var signal in ShiftSignals.All)
                Assert.Equal(reference[signal]!.Value.Mean, loaded[signal]!.Value.Mean, 9);
            var probe = Gaussian(new Random(1), 8, 1);
            Assert.Equal(reference.Embedding!.Distance(probe), loaded.Embedding!.Distance(probe), 5);
        }
        finally
        {
            File.Delete(path);
        }

        static string Error(string json) => Assert.Throws<FormatException>(() => DomainReferenceFile.Parse(Encoding.UTF8.GetBytes(json), "cal.json")).Message;
        Assert.Contains("$.format", Error("""{"format":"v0"}"""));
        Assert.Contains("$.embedding.precision: expected 4 numbers, found 3", Error("""{"format":"mfuser-domain-reference/1","embedding":{"mean":[0,0],"precision":[1,0,1]}}"""));
        Assert.Contains("$.signals.glare", Error("""{"format":"mfuser-domain-reference/1","signals":{"glare":{"mean":1,"std":1}}}"""));
        Assert.Contains("$.signals.brightness.std", Error("""{"format":"mfuser-domain-reference/1","signals":{"brightness":{"mean":1}}}"""));
        Assert.StartsWith("cal.json:", Error("not json"));
        // covariance instead of precision, with shrinkage
        var fromCov = DomainReferenceFile.Parse("""{"format":"mfuser-domain-reference/1","embedding":{"mean":[0,0],"covariance":[4,0,0,1],"shrinkage":0}}"""u8);
        Assert.Equal(Math.Sqrt(0.5), fromCov.Embedding!.Distance([2f, 0f]), 5);
    }

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
        var e = new EpisodeEvent(EpisodeEventKind.End, "abc", 4, new FrameStamp(77, T0.AddSeconds(30)), T0.AddSeconds(10), T0.AddSeconds(30), 1.1, 9.5,
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
        var monitor = new DomainShiftMonitor(new DomainShiftOptions { Warmup = TimeSpan.FromSeconds(1) }, new DomainReference { Embedding = Baseline().Embedding });
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
