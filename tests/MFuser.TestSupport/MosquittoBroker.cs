using System.Diagnostics;
using System.Text;

namespace MFuser.TestSupport;

/// <summary>What the test broker offers besides a plain listener.</summary>
public sealed record MosquittoOptions
{
    /// <summary>The plain listener's port; 0 picks a free one. Give a port to start a broker where a client is
    /// already trying to connect.</summary>
    public int Port { get; init; }

    /// <summary>Also listen with TLS on <see cref="MosquittoBroker.TlsPort"/> (server certificate from a throw-away CA)
    /// and on <see cref="MosquittoBroker.MutualTlsPort"/> (client certificate required).</summary>
    public bool Tls { get; init; }

    /// <summary>If set, every listener requires this user name and password (no anonymous clients).</summary>
    public (string User, string Password)? Credentials { get; init; }

    /// <summary>If set, the lines of mosquitto's <c>acl_file</c> (e.g. <c>topic readwrite a/#</c>): what anonymous
    /// clients may publish and subscribe to; anything not granted is refused (PUBACK / SUBACK "not authorized" on
    /// MQTT 5).</summary>
    public IReadOnlyList<string>? AclRules { get; init; }

    /// <summary>If set, topic filters that clients may not subscribe to: mosquitto's dynamic-security plugin answers
    /// such a SUBSCRIBE with SUBACK "not authorized" (mosquitto 2.0's <c>acl_file</c> grants every subscription and
    /// only filters what it delivers). Everything else stays allowed.</summary>
    public IReadOnlyList<string>? DeniedSubscriptions { get; init; }

    /// <summary>If set, mosquitto's <c>max_packet_size</c>: it announces it in CONNACK (MQTT 5) and disconnects a client
    /// that sends a larger packet.</summary>
    public int? MaxPacketSize { get; init; }

    /// <summary>With <see cref="Tls"/>: the TLS listeners present a server certificate that expired yesterday (signed
    /// by the same CA and naming 127.0.0.1, so only its validity period is wrong).</summary>
    public bool ExpiredServerCertificate { get; init; }
}

/// <summary>
/// A real mosquitto broker (<c>mosquitto -c &lt;conf&gt;</c>) on 127.0.0.1 with <c>persistence false</c>, started by a
/// test and stopped by its PID. Its files live in a world-readable temporary directory because mosquitto, started as
/// root, drops to the <c>mosquitto</c> user. Requires the <c>mosquitto</c> package (build.sh installs it).
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    private readonly MosquittoOptions _options;
    private readonly StringBuilder _log = new();
    private Process? _process;

    private MosquittoBroker(MosquittoOptions options, string dir)
    {
        _options = options;
        Directory = dir;
        Port = options.Port != 0 ? options.Port : FreePort.Next();
        if (options.Tls)
        {
            TlsPort = FreePort.Next();
            MutualTlsPort = FreePort.Next();
            Certificates = TestCertificates.Create(dir, options.ExpiredServerCertificate);
        }
    }

    public string Host => "127.0.0.1";
    public int Port { get; }
    public int TlsPort { get; }
    public int MutualTlsPort { get; }

    /// <summary>The CA and client certificate files when started with <see cref="MosquittoOptions.Tls"/>.</summary>
    public TestCertificates? Certificates { get; }
    public string Directory { get; }

    /// <summary>What mosquitto wrote to stdout/stderr so far (for assertion messages).</summary>
    public string Log
    {
        get
        {
            lock (_log)
                return _log.ToString();
        }
    }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Writes the configuration and starts mosquitto; returns once every listener accepts connections.</summary>
    public static async Task<MosquittoBroker> StartAsync(MosquittoOptions? options = null)
    {
        var dir = Path.Combine(Path.GetTempPath(), $"mfuser-mosquitto-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(dir);
        File.SetUnixFileMode(dir, (UnixFileMode)0b111_101_101); // 0755
        var broker = new MosquittoBroker(options ?? new MosquittoOptions(), dir);
        broker.WriteConfig();
        await broker.RestartAsync();
        return broker;
    }

    /// <summary>Starts mosquitto again on the same ports (after <see cref="Stop"/> or <see cref="Kill"/>).</summary>
    public async Task RestartAsync()
    {
        if (IsRunning)
            throw new InvalidOperationException("mosquitto is already running");
        var psi = new ProcessStartInfo("mosquitto", ["-c", Path.Combine(Directory, "mosquitto.conf")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process process;
        try
        {
            process = Process.Start(psi) ?? throw new InvalidOperationException("mosquitto did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("mosquitto is not installed (apt-get install mosquitto, or ./build.sh deps)", e);
        }
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        foreach (var port in new[] { Port, TlsPort, MutualTlsPort }.Where(p => p != 0))
            if (!await FreePort.WaitListeningAsync(port, TimeSpan.FromSeconds(10)))
            {
                Kill();
                throw new InvalidOperationException($"mosquitto did not listen on 127.0.0.1:{port} within 10 s. Its output:\n{Log}");
            }
    }

    /// <summary>Graceful stop (SIGTERM, by PID): mosquitto closes client connections; it does not send their wills.</summary>
    public void Stop() => Signal(15);

    /// <summary>Abrupt stop (SIGKILL, by PID).</summary>
    public void Kill() => Signal(9);

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
        return ValueTask.CompletedTask;
    }

    private void Signal(int signal)
    {
        var process = _process;
        if (process is null || process.HasExited)
            return;
        using (var kill = Process.Start("kill", [$"-{signal}", process.Id.ToString()]))
            kill.WaitForExit();
        if (!process.WaitForExit(10_000))
            process.Kill();
        process.WaitForExit();
        process.Dispose();
        _process = null;
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_log)
            _log.AppendLine(line);
    }

    private void WriteConfig()
    {
        var conf = new StringBuilder();
        conf.AppendLine("persistence false");
        conf.AppendLine("log_dest stderr");
        conf.AppendLine("log_type error");
        conf.AppendLine("log_type warning");
        conf.AppendLine("log_type notice");
        conf.AppendLine("log_type information");
        conf.AppendLine("per_listener_settings false");
        if (_options.Credentials is var (user, password))
        {
            var passwordFile = Path.Combine(Directory, "passwords");
            using (var p = Process.Start("mosquitto_passwd", ["-b", "-c", passwordFile, user, password])!)
            {
                p.WaitForExit();
                if (p.ExitCode != 0)
                    throw new InvalidOperationException($"mosquitto_passwd failed with exit code {p.ExitCode}");
            }
            File.SetUnixFileMode(passwordFile, (UnixFileMode)0b110_100_100); // 0644
            conf.AppendLine("allow_anonymous false");
            conf.AppendLine($"password_file {passwordFile}");
        }
        else
            conf.AppendLine("allow_anonymous true");
        if (_options.AclRules is { } rules)
        {
            var aclFile = Path.Combine(Directory, "acl");
            File.WriteAllLines(aclFile, rules);
            File.SetUnixFileMode(aclFile, (UnixFileMode)0b110_100_100); // 0644
            conf.AppendLine($"acl_file {aclFile}");
        }
        if (_options.DeniedSubscriptions is { } denied)
            conf.Append(DynamicSecurity(denied));
        if (_options.MaxPacketSize is { } maxPacket)
            conf.AppendLine($"max_packet_size {maxPacket}");
        conf.AppendLine($"listener {Port} 127.0.0.1");
        if (Certificates is { } c)
        {
            conf.AppendLine($"listener {TlsPort} 127.0.0.1");
            conf.AppendLine($"cafile {c.CaFile}");
            conf.AppendLine($"certfile {c.ServerCertFile}");
            conf.AppendLine($"keyfile {c.ServerKeyFile}");
            conf.AppendLine($"listener {MutualTlsPort} 127.0.0.1");
            conf.AppendLine($"cafile {c.CaFile}");
            conf.AppendLine($"certfile {c.ServerCertFile}");
            conf.AppendLine($"keyfile {c.ServerKeyFile}");
            conf.AppendLine("require_certificate true");
        }
        var path = Path.Combine(Directory, "mosquitto.conf");
        File.WriteAllText(path, conf.ToString());
        File.SetUnixFileMode(path, (UnixFileMode)0b110_100_100);
    }

    /// <summary>mosquitto.conf lines loading the dynamic-security plugin with a configuration that lets every client
    /// do everything except subscribe to <paramref name="denied"/>.</summary>
    private string DynamicSecurity(IReadOnlyList<string> denied)
    {
        var acls = string.Join(",", denied.Select(f => $$"""{"acltype":"subscribePattern","topic":"{{f}}","priority":0,"allow":false}"""));
        var json = $$"""
            {
              "defaultACLAccess": { "publishClientSend": true, "publishClientReceive": true, "subscribe": true, "unsubscribe": true },
              "clients": [],
              "groups": [ { "groupname": "anonymous", "roles": [ { "rolename": "restricted" } ], "clients": [] } ],
              "roles": [ { "rolename": "restricted", "acls": [ {{acls}} ] } ],
              "anonymousGroup": "anonymous"
            }
            """;
        var path = Path.Combine(Directory, "dynamic-security.json");
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, (UnixFileMode)0b110_110_110); // the plugin may save it back as the mosquitto user
        var plugin = new[] { "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/usr/lib" }
            .Select(d => Path.Combine(d, "mosquitto_dynamic_security.so")).FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("mosquitto_dynamic_security.so not found (package mosquitto ≥ 2.0)");
        return $"plugin {plugin}\nplugin_opt_config_file {path}\n";
    }
}
