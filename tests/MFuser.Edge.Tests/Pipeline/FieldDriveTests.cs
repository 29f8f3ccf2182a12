using System.Diagnostics;
using System.Text;
using System.Text.Json;
using MFuser.Edge.Core.DomainShift;
using MFuser.ModelPackage.DomainStatistics;
using MFuser.Edge.FieldLog.Mcap;
using MFuser.Edge.Messaging.Spool;
using MFuser.Edge.Serial.Mcu;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests.Pipeline;

/// <summary>The field operations wired into the built daemon, end to end: the synthetic drive through the model with
/// a real mosquitto, GPS and MCU on socat pty pairs, MQTT control, MCAP field logs, the disk spool across a restart
/// and <c>calibrate-domain</c>.</summary>
public sealed class FieldDriveTests : IDisposable
{
    private const double Latitude = 48 + 7.038 / 60, Longitude = 11 + 34.0 / 60;
    private readonly TempDir _dir = new();

    private static string Drive(string schedule) => $"synthetic://drive?seed=7&fps=15&schedule={schedule}&size=320x192";

    private string[] Run(string source, int port, string device, long maxFrames = 0) =>
    [
        "run", "--model", RepoPaths.FixturePackage, "--source", source, "--broker", $"mqtt://127.0.0.1:{port}",
        "--device-id", device, "--max-frames", maxFrames.ToString(),
    ];

    /// <summary>Environment shared by the runs: CPU, short warm-up so the 4 s clear stretch is the learned reference,
    /// and no per-vehicle reference from the repository's calibration/ folder.</summary>
    private Dictionary<string, string> Env(params (string Key, string Value)[] extra)
    {
        var env = new Dictionary<string, string>
        {
            ["MFUSER_INFERENCE_PROVIDERS"] = "cpu",
            ["MFUSER_DOMAIN_SHIFT_WARMUP_S"] = "2.5",
            ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("no-such-reference.json"),
            ["MFUSER_PUBLISH_STATS_INTERVAL_S"] = "1",
        };
        foreach (var (k, v) in extra)
            env[k] = v;
        return env;
    }

    [Fact]
    public async Task Drive_through_fog_opens_and_closes_a_geotagged_episode_recorded_as_mcap_with_gps_mcu_and_control()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/fo1/#");
        using var gpsPty = new PtyPair("gps");
        using var mcuPty = new PtyPair("mcu");
        using var stop = new CancellationTokenSource();
        var gps = Task.Run(() => FeedGps(gpsPty, stop.Token));
        var mcuFrames = new List<FreeSpaceFrame>();
        var mcu = Task.Factory.StartNew(() => McuPeer.Read(mcuPty, mcuFrames), TaskCreationOptions.LongRunning);
        var logs = Path.Combine(_dir.Path, "logs");

        using var edge = EdgeProcess.Start(Run(Drive("clear:4,fog:4,clear:6"), broker.Port, "fo1"), Env(
            ("MFUSER_CONTROL_ENABLED", "true"), ("MFUSER_SERIAL_GPS_PORT", gpsPty.Device), ("MFUSER_SERIAL_MCU_PORT", mcuPty.Device),
            ("MFUSER_FIELD_LOG_DIR", logs), ("MFUSER_FIELD_LOG_MIN_FREE_MB", "0"), ("MFUSER_FIELD_LOG_PRE_TRIGGER_S", "2"),
            ("MFUSER_FIELD_LOG_POST_TRIGGER_S", "0"), ("MFUSER_GPS_MAX_FIX_AGE_S", "5"), ("MFUSER_PUBLISH_SEGMENTATION_HZ", "2")));

        // Control: the retained states come first; a valid set changes the pipeline (overlay images start).
        await probe.WaitForAsync("mfuser/fo1/overlay_hz/state", "0", TimeSpan.FromSeconds(30));
        await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/drivable", TimeSpan.FromSeconds(30));
        Assert.Empty(probe.On("mfuser/fo1/overlay"));
        await Publish(broker.Port, "mfuser/fo1/overlay_hz/set", "5");
        await probe.WaitForAsync("mfuser/fo1/overlay_hz/state", "5", TimeSpan.FromSeconds(10));
        await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/overlay", TimeSpan.FromSeconds(10));

        // Malformed payloads are answered with an error naming the field, counted, and change nothing.
        await Publish(broker.Port, "mfuser/fo1/segmentation_hz/set", "fast");
        var bad = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/segmentation_hz/result", TimeSpan.FromSeconds(10)));
        Assert.False(bad.GetProperty("ok").GetBoolean());
        Assert.Contains("segmentation_hz: expected 0 (off) or a number", bad.GetProperty("error").GetString());
        await Publish(broker.Port, "mfuser/fo1/cmd/mark_event", """{"label":5}""");
        var badCmd = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/cmd/mark_event/result", TimeSpan.FromSeconds(10)));
        Assert.Contains("mark_event.label: expected a string", badCmd.GetProperty("error").GetString());
        Assert.Equal(["0", "5"], probe.On("mfuser/fo1/overlay_hz/state").Select(m => m.Text));
        Assert.Equal(["2"], probe.On("mfuser/fo1/segmentation_hz/state").Select(m => m.Text));

        // The fog opens an episode and the clear weather after it closes it; both events carry the GPS fix.
        var opened = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/domain_shift" && m.Text.Contains("\"new\""),
            TimeSpan.FromSeconds(40)));
        await Publish(broker.Port, "mfuser/fo1/cmd/mark_event", """{"label":"fog test","note":"entering fog","id":"r1"}""");
        var marked = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/cmd/mark_event/result" && m.Text.Contains("\"r1\""),
            TimeSpan.FromSeconds(10)));
        Assert.True(marked.GetProperty("ok").GetBoolean(), marked.ToString());
        Assert.Equal("r1", marked.GetProperty("id").GetString());
        var closed = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/domain_shift" && m.Text.Contains("\"end\""),
            TimeSpan.FromSeconds(40)));
        // Manual recording once the episode's file is finished (post-trigger 0), so it gets a file of its own.
        await edge.WaitForOutputAsync(l => l.Contains("Field log: finished") && l.Contains("-episode-"), "the episode file finished",
            TimeSpan.FromSeconds(10));
        await Publish(broker.Port, "mfuser/fo1/recording/set", "on");
        await probe.WaitForAsync("mfuser/fo1/recording/state", "ON", TimeSpan.FromSeconds(10));
        await Task.Delay(1000);
        var before = probe.Messages.Count;
        await Publish(broker.Port, "mfuser/fo1/recording/set", "OFF");
        await probe.WaitForAsync("mfuser/fo1/recording/state", "OFF", TimeSpan.FromSeconds(10), skip: before);
        await Publish(broker.Port, "mfuser/fo1/cmd/snapshot", """{"reason":"pothole ahead"}""");
        Assert.True(Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/cmd/snapshot/result",
            TimeSpan.FromSeconds(10))).GetProperty("ok").GetBoolean());
        var stats = Json(await probe.WaitForAsync(m => m.Topic == "mfuser/fo1/stats", TimeSpan.FromSeconds(5), skip: probe.Messages.Count));
        await edge.TerminateAsync(TimeSpan.FromSeconds(30));
        Assert.True(edge.ExitCode == 0, edge.ToString());
        stop.Cancel();
        await gps;

        Assert.Equal(opened.GetProperty("episode_id").GetString(), closed.GetProperty("episode_id").GetString());
        // At 15 fps the fog covers frames 60-119: the episode opens inside it and ends after it.
        Assert.InRange(opened.GetProperty("frame").GetInt64(), 60, 119 + 15);
        Assert.True(closed.GetProperty("frame").GetInt64() >= 120, closed.ToString());
        Assert.True(ShiftSignals.TryParse(opened.GetProperty("dominant").GetString()!, out _));
        Assert.Equal(0, opened.GetProperty("seq").GetInt32());
        foreach (var e in new[] { opened, closed })
        {
            Assert.True(e.GetProperty("gps").ValueKind == JsonValueKind.Object, $"{e}\n{stats}");
            Assert.Equal(Latitude, e.GetProperty("gps").GetProperty("lat").GetDouble(), 5);
            Assert.Equal(Longitude, e.GetProperty("gps").GetProperty("lon").GetDouble(), 5);
        }
        var drivable = probe.On("mfuser/fo1/drivable").Select(Json).ToList();
        Assert.Contains(drivable, d => d.GetProperty("gps").ValueKind == JsonValueKind.Object
            && Math.Abs(d.GetProperty("gps").GetProperty("lat").GetDouble() - Latitude) < 1e-6);
        Assert.All(probe.On("mfuser/fo1/domain_shift"), m => Assert.Equal(1, (int)m.Qos));

        Assert.Equal(2, stats.GetProperty("control").GetProperty("rejected").GetInt64());
        Assert.True(stats.GetProperty("control").GetProperty("accepted").GetInt64() >= 5);
        Assert.True(stats.GetProperty("gps").GetProperty("fixes").GetInt64() > 0, stats.ToString());
        Assert.True(stats.GetProperty("gps").GetProperty("rejected_by_reason").GetProperty("ChecksumMismatch").GetInt64() > 0, stats.ToString());
        Assert.True(stats.GetProperty("mcu").GetProperty("sent").GetInt64() > 0, stats.ToString());

        // MCAP: the episode file holds camera frames, label maps, summaries, signals, both events and GPS fixes.
        var episode = McapReader.Read(Assert.Single(Directory.GetFiles(logs, "*-episode-*.mcap")));
        foreach (var topic in new[] { "/camera/image", "/segmentation/labels", "/drivable", "/domain_shift/signals", "/gps" })
            Assert.True(episode.On(topic).Any(), $"{topic} has no messages");
        // The file records exactly the events published for this episode, from its new to its end.
        var recorded = episode.On("/domain_shift/events").Select(m =>
            JsonDocument.Parse(m.Data).RootElement.GetProperty("event_id").GetString()).ToList();
        var published = probe.On("mfuser/fo1/domain_shift").Select(Json)
            .Where(e => e.GetProperty("episode_id").GetString() == opened.GetProperty("episode_id").GetString())
            .Select(e => e.GetProperty("event_id").GetString()).ToList();
        Assert.Equal(published, recorded);
        Assert.Equal(closed.GetProperty("event_id").GetString(), recorded[^1]);
        var jpeg = JsonDocument.Parse(episode.On("/camera/image").First().Data).RootElement;
        Assert.Equal("jpeg", jpeg.GetProperty("format").GetString());
        Assert.Single(Directory.GetFiles(logs, "*-snapshot-mark-fog_test.mcap"));
        var manual = McapReader.Read(Assert.Single(Directory.GetFiles(logs, "*-manual.mcap")));
        Assert.True(manual.On("/drivable").Count() >= 5, "a second of manual recording at ~10 fps");
        var snapshot = McapReader.Read(Assert.Single(Directory.GetFiles(logs, "*-snapshot-pothole_ahead.mcap")));
        Assert.True(snapshot.On("/camera/image").Any() && snapshot.On("/drivable").Any());

        // MCU: valid frames of the model's size, in order, flagged with the GPS fix and (some) the open episode.
        mcuPty.Dispose();
        await mcu.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(mcuFrames.Count > 10, $"{mcuFrames.Count} MCU frames");
        Assert.All(mcuFrames, f => Assert.Equal((320, 192, 32), (f.ImageWidth, f.ImageHeight, f.BinCount)));
        Assert.Equal(mcuFrames.Select(f => f.FrameId).Order(), mcuFrames.Select(f => f.FrameId));
        Assert.Contains(mcuFrames, f => f.Flags.HasFlag(FreeSpaceFlags.GpsFix));
        Assert.Contains(mcuFrames, f => f.Flags.HasFlag(FreeSpaceFlags.DomainShift));
        Assert.Contains(mcuFrames, f => !f.Flags.HasFlag(FreeSpaceFlags.DomainShift));
    }

    [Fact]
    public async Task Episode_events_spooled_while_the_broker_is_away_are_delivered_after_a_restart()
    {
        var port = FreePort.Next();
        var spool = Path.Combine(_dir.Path, "spool");
        using (var first = EdgeProcess.Start(Run(Drive("clear:4,fog:60"), port, "fo2"), Env(("MFUSER_SPOOL_DIR", spool))))
        {
            await first.WaitForOutputAsync("\"Kind\":\"new\"", TimeSpan.FromSeconds(45));
            await first.TerminateAsync(TimeSpan.FromSeconds(30));
            Assert.True(first.ExitCode == 0, first.ToString());
        }
        int left;
        using (var store = new DiskSpool(new DiskSpoolOptions { Directory = spool }))
            left = store.Count;
        Assert.True(left >= 1, "the episode's events must be in the spool");

        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/fo2/domain_shift");
        using (var second = EdgeProcess.Start(Run(Drive("clear:10"), port, "fo2", maxFrames: 5),
                   Env(("MFUSER_SPOOL_DIR", spool), ("MFUSER_DOMAIN_SHIFT_ENABLED", "false"))))
        {
            await second.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Contains($"{left} messages from an earlier run to deliver", second.Stdout);
        }
        var delivered = probe.On("mfuser/fo2/domain_shift").Select(Json).ToList();
        Assert.Equal(left, delivered.Count);
        Assert.Equal("new", delivered[0].GetProperty("event").GetString());
        // Stopped in the fog: the open episode was closed at shutdown, and that closing event was spooled too.
        Assert.Equal("end", delivered[^1].GetProperty("event").GetString());
        Assert.Equal("shutdown", delivered[^1].GetProperty("end_reason").GetString());
        Assert.All(delivered.SkipLast(1), e => Assert.Equal(JsonValueKind.Null, e.GetProperty("end_reason").ValueKind));
        Assert.Equal(delivered.Count, delivered.Select(e => e.GetProperty("event_id").GetString()).Distinct().Count());
        using (var store = new DiskSpool(new DiskSpoolOptions { Directory = spool }))
            Assert.Equal(0, store.Count);
    }

    [Fact]
    public async Task An_episode_cut_by_a_kill_is_ended_on_the_next_start_with_reason_restart()
    {
        var port = FreePort.Next();
        var spool = Path.Combine(_dir.Path, "spool-killed");
        var openEpisode = Path.Combine(spool, OpenEpisodeFile.FileName);
        using (var first = EdgeProcess.Start(Run(Drive("clear:4,fog:60"), port, "fo4"), Env(("MFUSER_SPOOL_DIR", spool))))
        {
            Wait.Until(() => File.Exists(openEpisode) || first.HasExited, () => $"{openEpisode} never written\n{first}", TimeSpan.FromSeconds(60));
            first.Kill();
        }
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Port = port });
        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/fo4/domain_shift");
        string secondRun;
        using (var second = EdgeProcess.Start(Run(Drive("clear:10"), port, "fo4", maxFrames: 5),
                   Env(("MFUSER_SPOOL_DIR", spool), ("MFUSER_DOMAIN_SHIFT_ENABLED", "false"))))
        {
            await second.WaitAsync(TimeSpan.FromSeconds(60));
            Assert.True(second.ExitCode == 0, second.ToString());
            Assert.Contains("end_reason restart", second.Stdout);
            secondRun = second.ToString();
        }
        var delivered = probe.On("mfuser/fo4/domain_shift").Select(Json).ToList();
        Assert.True(delivered.Count >= 2, $"{delivered.Count} events\n{secondRun}");
        Assert.Equal("new", delivered[0].GetProperty("event").GetString());
        var (before, end) = (delivered[^2], delivered[^1]);
        Assert.Equal("end", end.GetProperty("event").GetString());
        Assert.Equal("restart", end.GetProperty("end_reason").GetString());
        Assert.Equal(before.GetProperty("episode_id").GetString(), end.GetProperty("episode_id").GetString());
        Assert.Equal(before.GetProperty("seq").GetInt32() + 1, end.GetProperty("seq").GetInt32());
        Assert.Equal(before.GetProperty("captured_at").GetString(), end.GetProperty("ended_at").GetString());
        Assert.False(File.Exists(openEpisode), "the open-episode record must be gone once its end event is stored");
    }

    [Fact]
    public async Task Calibrate_domain_writes_a_baseline_that_the_daemon_prefers()
    {
        var reference = Path.Combine(_dir.Path, "calibration", "domain-reference.json");
        var calibrate = await EdgeProcess.RunAsync(["calibrate-domain", "--model", RepoPaths.FixturePackage, "--source", Drive("clear:60"),
            "--frames", "12", "--output", reference], Env());
        Assert.True(calibrate.ExitCode == 0, calibrate.ToString());
        var loaded = DomainReferenceFile.Load(reference);
        Assert.Equal(12, loaded.Count);
        foreach (var signal in new[] { ShiftSignal.Brightness, ShiftSignal.Contrast, ShiftSignal.Sharpness, ShiftSignal.ConfidenceMean,
            ShiftSignal.EmbeddingDistance })
            Assert.NotNull(loaded[signal]);
        Assert.InRange(loaded[ShiftSignal.Brightness]!.Value.Mean, 0.05, 0.95);
        Assert.Equal(3, loaded.Embedding!.Mean.Length);

        await using var broker = await MosquittoBroker.StartAsync();
        var run = await EdgeProcess.RunAsync(Run(Drive("clear:60"), broker.Port, "fo3", maxFrames: 3),
            Env(("MFUSER_DOMAIN_SHIFT_REFERENCE", reference)));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"per-vehicle baseline {reference}", run.Stdout);

        File.WriteAllText(reference, """{"format":"mfuser-domain-reference/1","signals":{"brightness":{"mean":0.5}}}""");
        var broken = await EdgeProcess.RunAsync(Run(Drive("clear:60"), broker.Port, "fo3", maxFrames: 3),
            Env(("MFUSER_DOMAIN_SHIFT_REFERENCE", reference)));
        Assert.Equal(2, broken.ExitCode);
        Assert.Contains("domain_shift.reference", broken.Stderr);
        Assert.Contains("$.signals.brightness.std", broken.Stderr);
    }

    private static JsonElement Json(ReceivedMessage m) => JsonDocument.Parse(m.Payload).RootElement;

    private static async Task Publish(int port, string topic, string payload)
    {
        using var p = Process.Start(new ProcessStartInfo("mosquitto_pub",
            ["-h", "127.0.0.1", "-p", port.ToString(), "-q", "1", "-t", topic, "-m", payload])
            { UseShellExecute = false })!;
        await p.WaitForExitAsync();
        Assert.Equal(0, p.ExitCode);
    }

    /// <summary>A GPS receiver: GGA and RMC at 5 Hz with a fixed position, today's date and the current time, plus a
    /// sentence with a wrong checksum and a line of noise each time.</summary>
    private static async Task FeedGps(PtyPair pty, CancellationToken ct)
    {
        await using var port = pty.OpenPeer();
        while (!ct.IsCancellationRequested)
        {
            var now = DateTime.UtcNow;
            var time = now.ToString("HHmmss.ff");
            var lines = Sentence($"GPGGA,{time},4807.0380,N,01134.0000,E,1,09,0.9,519.5,M,46.9,M,,")
                + Sentence($"GPRMC,{time},A,4807.0380,N,01134.0000,E,022.4,084.4,{now:ddMMyy},003.1,W")
                + "$GPGGA,123519,4807.038,N,01131.000,E,1,08,0.9,545.4,M,46.9,M,,*00\r\n" // wrong checksum: rejected, counted
                + "\u0001\u00ffnoise\r\n";
            await port.WriteAsync(Encoding.Latin1.GetBytes(lines), CancellationToken.None);
            try
            {
                await Task.Delay(200, ct);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    private static string Sentence(string body) => $"${body}*{body.Aggregate(0, (x, c) => x ^ c):X2}\r\n";

    public void Dispose() => _dir.Dispose();
}
