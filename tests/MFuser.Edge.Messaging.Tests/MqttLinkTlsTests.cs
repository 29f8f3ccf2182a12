using MFuser.Edge.Core.Payloads;
using MFuser.TestSupport;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>mqtts:// against mosquitto's TLS listeners with a throw-away CA.</summary>
public sealed class MqttLinkTlsTests : IAsyncLifetime
{
    private MosquittoBroker _broker = null!;

    public async Task InitializeAsync() => _broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true });
    public async Task DisposeAsync() => await _broker.DisposeAsync();

    [Fact]
    public async Task Connects_over_tls_trusting_the_configured_ca()
    {
        var certs = _broker.Certificates!;
        await using var link = await Links.StartedAsync(Links.Options(_broker.TlsPort) with { UseTls = true, CaFile = certs.CaFile });
        await using var probe = await MqttProbe.StartAsync(_broker.Host, _broker.Port, link.Topics.Base + "/#");
        await probe.WaitForAsync(link.Topics.Available, Availability.Online, Links.Wait);
        Assert.True(link.TryPublish(link.Topics.Drivable, "{\"frame\":1}"u8));
        await probe.WaitForAsync(link.Topics.Drivable, "{\"frame\":1}", Links.Wait);
    }

    [Fact]
    public async Task Refuses_a_broker_certificate_it_cannot_trust()
    {
        // No CA file: the system trust store does not know the test CA.
        await using var link = await Links.StartedAsync(Links.Options(_broker.TlsPort) with { UseTls = true }, waitConnected: false);
        Assert.Contains("certificate", await FirstFailureAsync(link), StringComparison.OrdinalIgnoreCase);
        Assert.False(link.IsConnected);
    }

    [Fact]
    public async Task Refuses_a_trusted_certificate_issued_for_another_name()
    {
        // The server certificate names 127.0.0.1 only; "localhost" reaches the same listener but is not in it.
        await using var link = await Links.StartedAsync(
            Links.Options(_broker.TlsPort) with { Host = "localhost", UseTls = true, CaFile = _broker.Certificates!.CaFile }, waitConnected: false);
        Assert.Contains("certificate", await FirstFailureAsync(link), StringComparison.OrdinalIgnoreCase);
        Assert.False(link.IsConnected);
    }

    [Fact]
    public void Unreadable_tls_files_are_named()
    {
        var certs = _broker.Certificates!;
        var notPem = Path.Combine(_broker.Directory, "not-a-cert.pem");
        File.WriteAllText(notPem, "hello");
        var e = Assert.Throws<ArgumentException>(() => new MqttLink(Links.Options(_broker.TlsPort) with { UseTls = true, CaFile = notPem }));
        Assert.Contains($"CA file '{notPem}' holds no PEM certificate", e.Message);
        e = Assert.Throws<ArgumentException>(() => new MqttLink(Links.Options(_broker.TlsPort) with
        {
            UseTls = true, ClientCertFile = certs.ClientCertFile, ClientKeyFile = notPem,
        }));
        Assert.Contains($"client certificate '{certs.ClientCertFile}' with key '{notPem}' cannot be loaded", e.Message);
        e = Assert.Throws<ArgumentException>(() => new MqttLink(Links.Options(_broker.Port) with { CaFile = certs.CaFile }));
        Assert.Contains("CaFile / ClientCertFile need UseTls", e.Message);
    }

    /// <summary>Why the link's first connection attempt failed (waits for that attempt to end).</summary>
    private static async Task<string> FirstFailureAsync(MqttLink link)
    {
        var deadline = DateTime.UtcNow + Links.Wait;
        while (link.LastError is null && !link.IsConnected && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        return link.LastError ?? (link.IsConnected ? "connected" : "no attempt ended");
    }

    [Fact]
    public async Task Mutual_tls_with_a_client_certificate()
    {
        var certs = _broker.Certificates!;
        await using var withoutCert = await Links.StartedAsync(Links.Options(_broker.MutualTlsPort) with { UseTls = true, CaFile = certs.CaFile }, waitConnected: false);
        await using var withCert = await Links.StartedAsync(Links.Options(_broker.MutualTlsPort) with
        {
            UseTls = true, CaFile = certs.CaFile, ClientCertFile = certs.ClientCertFile, ClientKeyFile = certs.ClientKeyFile,
        });
        Assert.True(withCert.IsConnected);
        var failure = await FirstFailureAsync(withoutCert);
        Assert.False(withoutCert.IsConnected, "the mutual-TLS listener must refuse a client without a certificate");
        Assert.NotNull(withoutCert.LastError);
        Assert.NotEqual("no attempt ended", failure);
    }
}
