using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace MFuser.Edge.Messaging.Mqtt;

/// <summary>
/// Makes one connection attempt: CONNECT with the Last Will <c>&lt;base&gt;/available = offline</c> (retained, QoS 1),
/// the keep-alive, and on MQTT 5 our Maximum Packet Size; falls back to 3.1.1 when the broker refuses MQTT 5
/// (<see cref="ProtocolFallback"/>). A failure is thrown with a message that says what failed (TLS checks by name).
/// </summary>
internal sealed class Connector(LinkSession session, TlsMaterial? tls)
{
    private readonly ProtocolFallback _fallback = new(session.Options.Protocol);

    public async Task ConnectAsync(CancellationToken ct)
    {
        var version = _fallback.Next;
        var result = await ConnectWithAsync(version, ct).ConfigureAwait(false);
        if (result.ResultCode != MqttClientConnectResultCode.Success && _fallback.ShouldFallBack(version, result.ResultCode))
        {
            session.Log.LogInformation("MQTT: {Broker} refused MQTT 5 (CONNACK {Code}); using MQTT 3.1.1", session.Endpoint, result.ResultCode);
            version = MqttProtocolVersion.V311;
            result = await ConnectWithAsync(version, ct).ConfigureAwait(false);
        }
        if (result.ResultCode != MqttClientConnectResultCode.Success)
            throw new BrokerRefusedException(result.ResultCode, result.ReasonString);
        _fallback.Settle(version);
        session.Negotiated(version, result.MaximumPacketSize);
    }

    /// <summary>Why an attempt failed, in one line: the TLS check that failed, the broker's refusal, or the innermost cause.</summary>
    public static string Describe(Exception e)
    {
        if (e is AuthenticationFailedException)
            return e.Message;
        var root = e;
        while (root.InnerException is not null && root is not BrokerRefusedException)
            root = root.InnerException;
        return root == e ? e.Message : $"{e.Message} ({root.Message})";
    }

    private async Task<MqttClientConnectResult> ConnectWithAsync(MqttProtocolVersion version, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(session.Options.ConnectTimeout);
        tls?.TakeFailure();
        try
        {
            return await session.Client.ConnectAsync(Options(version), timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no CONNACK within {session.Options.ConnectTimeout.TotalSeconds:0.#} s");
        }
        catch (Exception e) when (tls?.TakeFailure() is { } certificate)
        {
            throw new AuthenticationFailedException(certificate, e);
        }
    }

    private MqttClientOptions Options(MqttProtocolVersion version)
    {
        var o = session.Options;
        var b = new MqttClientOptionsBuilder()
            .WithTcpServer(o.Host, o.Port)
            .WithProtocolVersion(version)
            .WithClientId(o.ClientId.Length > 0 ? o.ClientId : $"mfuser-edge-{o.DeviceId}")
            .WithCleanSession()
            .WithKeepAlivePeriod(o.KeepAlive)
            .WithTimeout(o.ConnectTimeout)
            .WithWillTopic(session.Topics.Available)
            .WithWillPayload("offline"u8.ToArray())
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain();
        if (version == MqttProtocolVersion.V500)
            b.WithMaximumPacketSize((uint)o.MaxPacketBytes); // MQTTnet refuses the property on 3.1.1
        if (o.Username.Length > 0)
            b.WithCredentials(o.Username, o.Password);
        tls?.Apply(b);
        return b.Build();
    }

    /// <summary>The TLS handshake failed because the broker's certificate failed a check; the message says which.</summary>
    private sealed class AuthenticationFailedException(string message, Exception inner) : Exception(message, inner);
}
