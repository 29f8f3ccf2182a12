using MFuser.Edge.Startup;
using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MFuser.Edge;
using MFuser.Edge.Inference;
using MFuser.Edge.Systemd;
using MFuser.TestSupport;

namespace MFuser.Edge.Tests;

/// <summary>Start-up while a (TensorRT) session is created: systemd receives EXTEND_TIMEOUT_USEC periodically on a real
/// unix datagram socket for as long as session creation runs (a slow creation is injected: no TensorRT here), and
/// nothing after it returns; progress lines report the elapsed time. Plus build-engine and info through the built
/// executable on this CPU-only machine.</summary>
public sealed class EngineStartupTests : IDisposable
{
    private readonly TempDir _dir = new();

    [Fact]
    public void Timeout_extensions_are_sent_periodically_while_a_slow_session_creation_runs_and_stop_after_it()
    {
        var path = _dir.File("notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.ReceiveTimeout = 100;
        using var notifier = new SystemdNotifier(path);
        var interval = TimeSpan.FromMilliseconds(100);
        var creation = TimeSpan.FromMilliseconds(1500);
        var clock = Stopwatch.StartNew();
        TimeSpan createdAt = default;
        var settings = SessionSettings.CpuOnly with { Providers = ["tensorrt", "cpu"] };

        using var session = ModelRuntime.Open(PackageDirectory.Load(RepoPaths.FixturePackage), settings, _ => { }, notifier, (p, s) =>
        {
            Thread.Sleep(creation);
            var created = SegmentationSession.Create(p, s);
            createdAt = clock.Elapsed;
            return created;
        }, interval);
        var returnedAt = clock.Elapsed;
        Thread.Sleep(500);

        var received = new List<(TimeSpan At, string Message)>();
        var buffer = new byte[4096];
        while (socket.Available > 0)
            received.Add((clock.Elapsed, Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer))));
        // Receipt times are when this test read them; the count and content show what was sent during creation.
        var extensions = received.Where(m =>
            m.Message.StartsWith("EXTEND_TIMEOUT_USEC=600000\nSTATUS=creating the model session", StringComparison.Ordinal)).ToList();
        Assert.True(extensions.Count >= 5,
            $"{extensions.Count} extensions during a {creation.TotalSeconds} s creation: {string.Join(" | ", received.Select(m => m.Message))}");
        // Anything else is the warm-up phase's keep-alive (a loaded machine can stretch warm-up past one interval).
        Assert.All(received, m => Assert.StartsWith("EXTEND_TIMEOUT_USEC=600000\nSTATUS=", m.Message));
        Assert.Contains("TensorRT engine build can take minutes", extensions[0].Message);
        Assert.Contains(extensions, m => m.Message.EndsWith(" elapsed", StringComparison.Ordinal));
        Assert.True(createdAt <= returnedAt);
        Assert.Equal("cpu", session.Provider);
        Assert.Equal(received.Count, (int)notifier.Counters.Sent);
    }

    [Fact]
    public void Elapsed_progress_is_reported_and_warm_up_is_kept_alive_too()
    {
        var path = _dir.File("notify2.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        using var notifier = new SystemdNotifier(path);
        var lines = new List<string>();
        using var session = ModelRuntime.Open(PackageDirectory.Load(RepoPaths.FixturePackage),
            SessionSettings.CpuOnly with { ReportPlacement = true },
            l => { lock (lines) lines.Add(l); }, notifier);
        ModelRuntime.WarmUp(session, 1, l => { lock (lines) lines.Add(l); }, notifier);
        var buffer = new byte[4096];
        var messages = new List<string>();
        while (socket.Available > 0)
            messages.Add(Encoding.UTF8.GetString(buffer, 0, socket.Receive(buffer)));
        Assert.Equal(["EXTEND_TIMEOUT_USEC=60000000\nSTATUS=creating the model session",
            "EXTEND_TIMEOUT_USEC=60000000\nSTATUS=warming up on cpu"], messages);
        Assert.Contains(lines, l => l.StartsWith("execution provider in use: cpu (model.onnx, sha256 ", StringComparison.Ordinal)
            && l.EndsWith(", model.json)", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("node placement cpu: ", StringComparison.Ordinal));
        Assert.Equal("1:05", ModelRuntime.Elapsed(TimeSpan.FromSeconds(65)));
        Assert.Equal("1:00:05", ModelRuntime.Elapsed(TimeSpan.FromSeconds(3605)));
    }

    [Fact]
    public async Task Build_engine_without_the_TensorRT_provider_fails_fast_with_exit_code_5()
    {
        var p = await EdgeProcess.RunAsync(["build-engine", RepoPaths.FixturePackage],
            new Dictionary<string, string> { ["MFUSER_INFERENCE_TENSORRT_ENGINE_CACHE_DIR"] = _dir.File("engines") });
        Assert.Equal(5, p.ExitCode);
        Assert.Contains("mfuser-edge: error: build-engine needs ONNX Runtime's TensorRT execution provider, which this build does not have " +
                        "(available: CPUExecutionProvider)", p.Stderr);
        Assert.Contains("-p:OrtFlavor=Gpu", p.Stderr);
        Assert.DoesNotContain("building the TensorRT engine", p.Stdout);
        Assert.False(Directory.Exists(_dir.File("engines")));
    }

    [Fact]
    public async Task Build_engine_validates_its_configuration_first()
    {
        var p = await EdgeProcess.RunAsync(["build-engine"], new Dictionary<string, string> { ["MFUSER_INFERENCE_TENSORRT_DLA_CORE"] = "9" });
        Assert.Equal(2, p.ExitCode);
        Assert.Contains("environment MFUSER_INFERENCE_TENSORRT_DLA_CORE: inference.tensorrt.dla_core = '9' is not allowed: expected an integer " +
                        "from -1 to 7", p.Stderr);
    }

    [Fact]
    public async Task Info_and_validate_model_show_where_the_nodes_run()
    {
        var info = await EdgeProcess.RunAsync(["info", "--model", RepoPaths.FixturePackage]);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains("(unused: no TensorRT execution provider in this build)", info.Stdout);
        Assert.Matches(@"gpu / tensorrt   .+; TensorRT \S+", info.Stdout);
        Assert.Contains("provider in use  cpu (model.onnx)", info.Stdout);
        Assert.Matches(@"placement        cpu: \d+ nodes \(ArgMax 1, ", info.Stdout);

        var validate = await EdgeProcess.RunAsync(["validate-model", RepoPaths.FixturePackage]);
        Assert.True(validate.ExitCode == 0, validate.ToString());
        Assert.Matches(@"  node placement cpu: \d+ nodes \(ArgMax 1, ", validate.Stdout);
    }

    [Fact]
    public async Task Retained_info_publishes_the_node_placement_measured_at_start_up()
    {
        int expected;
        using (var session = SegmentationSession.Create(PackageDirectory.Load(RepoPaths.FixturePackage),
            SessionSettings.CpuOnly with { ReportPlacement = true }))
        {
            session.WarmUp(1);
            expected = session.Placement!.Total;
        }
        await using var broker = await MosquittoBroker.StartAsync();
        var edge = await EdgeProcess.RunAsync(
            ["run", "--model", RepoPaths.FixturePackage, "--source", "synthetic://drive?seed=5&fps=15&size=320x192",
                "--broker", $"mqtt://127.0.0.1:{broker.Port}", "--device-id", "np1", "--max-frames", "3"],
            new Dictionary<string, string> { ["MFUSER_DOMAIN_SHIFT_REFERENCE"] = _dir.File("none.json") });
        Assert.True(edge.ExitCode == 0, edge.ToString());
        Assert.Contains("node placement cpu: ", edge.Stdout);

        await using var probe = await MqttProbe.StartAsync(broker.Host, broker.Port, "mfuser/np1/info");
        var info = JsonDocument.Parse((await probe.WaitForAsync(m => m.Topic == "mfuser/np1/info", TimeSpan.FromSeconds(5))).Payload).RootElement;
        var execution = info.GetProperty("execution");
        Assert.Equal("cpu", execution.GetProperty("provider").GetString());
        Assert.Equal(["tensorrt", "cuda", "cpu"], execution.GetProperty("requested").EnumerateArray().Select(e => e.GetString()));
        var placement = execution.GetProperty("node_placement");
        Assert.Equal(["cpu"], placement.EnumerateObject().Select(p => p.Name));
        Assert.Equal(expected, placement.GetProperty("cpu").GetInt32());
    }

    public void Dispose() => _dir.Dispose();
}
