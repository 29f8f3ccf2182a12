namespace MFuser.Edge.Messaging;

/// <summary>Which MQTT protocol version to speak.</summary>
public enum MqttProtocol
{
    /// <summary>MQTT 5; if the broker refuses it, 3.1.1 (and 3.1.1 for the rest of the session).</summary>
    Auto,
    V500,
    V311,
}

/// <summary>How <see cref="MqttLink"/> reaches the broker and behaves when it is away.</summary>
public sealed record MqttLinkOptions
{
    public required string Host { get; init; }
    public int Port { get; init; } = 1883;

    /// <summary>Connect with TLS (<c>mqtts://</c>).</summary>
    public bool UseTls { get; init; }

    /// <summary>PEM file of the CA(s) that sign the broker's certificate; empty: the system trust store.</summary>
    public string CaFile { get; init; } = "";

    /// <summary>PEM client certificate and its key for mutual TLS; both empty: none.</summary>
    public string ClientCertFile { get; init; } = "";
    public string ClientKeyFile { get; init; } = "";

    public string Username { get; init; } = "";
    public string Password { get; init; } = "";

    /// <summary>Device id: the last level of the base topic <c>&lt;prefix&gt;/&lt;device_id&gt;</c>.</summary>
    public required string DeviceId { get; init; }
    public string TopicPrefix { get; init; } = "mfuser";

    /// <summary>MQTT client id; empty: <c>mfuser-edge-&lt;device_id&gt;</c>.</summary>
    public string ClientId { get; init; } = "";

    public MqttProtocol Protocol { get; init; } = MqttProtocol.Auto;

    /// <summary>MQTT keep-alive: the broker publishes the Last Will after 1.5 × this without a packet from us, and the
    /// link declares a connection dead when a PINGREQ goes unanswered this long (so within about 1.5 × keep-alive).</summary>
    public TimeSpan KeepAlive { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>First reconnect delay; each failed attempt doubles it up to <see cref="ReconnectMax"/>.</summary>
    public TimeSpan ReconnectMin { get; init; } = TimeSpan.FromMilliseconds(500);
    public TimeSpan ReconnectMax { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Best-effort messages waiting to be sent; beyond this they are dropped (and counted).</summary>
    public int QueueCapacity { get; init; } = 64;

    /// <summary>Largest packet accepted from the broker: announced as MQTT 5's Maximum Packet Size in CONNECT (the
    /// broker then never sends more) and enforced on every connection before anything is buffered (on MQTT 3.1.1 a
    /// larger packet drops the connection). Our largest inbound message is a 1 KB command.</summary>
    public int MaxPacketBytes { get; init; } = 64 * 1024;

    /// <summary>Largest must-deliver payload accepted by <see cref="MqttLink.EnqueueMustDeliver"/>; episode events and
    /// command results are about 1 KB.</summary>
    public int MaxMustDeliverBytes { get; init; } = 256 * 1024;

    /// <summary>Where must-deliver (QoS 1) messages wait while the broker is away; null: an in-memory store of
    /// 1000 messages (<see cref="InMemoryMustDeliverStore"/>); the disk spool (<c>Spool.DiskSpool</c>) keeps them across
    /// restarts.</summary>
    public IMustDeliverStore? MustDeliverStore { get; init; }

    /// <summary>The base topic <c>&lt;prefix&gt;/&lt;device_id&gt;</c>.</summary>
    public string BaseTopic => $"{TopicPrefix}/{DeviceId}";

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        static void Fail(string what) => throw new ArgumentException(what);
        if (string.IsNullOrWhiteSpace(Host))
            Fail("Host must not be empty");
        if (Port is < 1 or > 65535)
            Fail($"Port = {Port} is not allowed: must be 1 … 65535");
        if (string.IsNullOrWhiteSpace(DeviceId) || DeviceId.IndexOfAny(['/', '+', '#']) >= 0)
            Fail($"DeviceId = '{DeviceId}' is not allowed: must be non-empty without '/', '+' or '#'");
        if (TopicPrefix.Length == 0 || TopicPrefix.IndexOfAny(['+', '#']) >= 0 || TopicPrefix.StartsWith('/') || TopicPrefix.EndsWith('/'))
            Fail($"TopicPrefix = '{TopicPrefix}' is not allowed: must be non-empty, without '+', '#' or a leading/trailing '/'");
        if (QueueCapacity < 1)
            Fail($"QueueCapacity = {QueueCapacity} is not allowed: must be ≥ 1");
        if (KeepAlive < TimeSpan.FromSeconds(1) || KeepAlive > TimeSpan.FromSeconds(ushort.MaxValue))
            Fail($"KeepAlive = {KeepAlive} is not allowed: must be 1 s … 65535 s");
        if (MaxPacketBytes < 1024)
            Fail($"MaxPacketBytes = {MaxPacketBytes} is not allowed: must be ≥ 1024");
        if (MaxMustDeliverBytes < 1)
            Fail($"MaxMustDeliverBytes = {MaxMustDeliverBytes} is not allowed: must be ≥ 1");
        if (ReconnectMin <= TimeSpan.Zero || ReconnectMax < ReconnectMin)
            Fail($"ReconnectMin = {ReconnectMin}, ReconnectMax = {ReconnectMax}: need 0 < ReconnectMin ≤ ReconnectMax");
        if (!UseTls && (CaFile.Length > 0 || ClientCertFile.Length > 0))
            Fail("CaFile / ClientCertFile need UseTls (an mqtts:// broker)");
        if ((ClientCertFile.Length > 0) != (ClientKeyFile.Length > 0))
            Fail("ClientCertFile and ClientKeyFile go together: give both or neither");
    }
}
