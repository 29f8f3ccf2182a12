using MFuser.TestSupport;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Messaging.Tests.Mqtt;

/// <summary>Each failed TLS check says which one failed, and only a broker that refuses the protocol gets the fallback
/// to MQTT 3.1.1 (a TLS failure is not a protocol refusal).</summary>
public sealed class ConnectorDiagnosticsTests
{
    [Fact]
    public async Task Wrong_ca_wrong_name_and_expired_certificate_give_three_distinct_messages_and_no_fallback()
    {
        await using var broker = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true });
        await using var expired = await MosquittoBroker.StartAsync(new MosquittoOptions { Tls = true, ExpiredServerCertificate = true });
        var ca = broker.Certificates!.CaFile;
        var cases = new (string Check, MqttLinkOptions Options)[]
        {
            ("chain:", Links.Options(broker.TlsPort) with { UseTls = true }), // the system store does not know the test CA
            ("name:", Links.Options(broker.TlsPort) with { Host = "localhost", UseTls = true, CaFile = ca }),
            ("validity:", Links.Options(expired.TlsPort) with { UseTls = true, CaFile = expired.Certificates!.CaFile }),
        };
        var messages = new List<string>();
        foreach (var (check, options) in cases)
        {
            var logs = new LogRecorder();
            await using var link = new MqttLink(options, logs.For<MqttLink>());
            link.Start();
            await Links.WaitUntilAsync(() => link.LastError is not null, "the first attempt failed");
            var error = link.LastError!;
            Assert.StartsWith("TLS: the broker's certificate was refused: " + check, error);
            Assert.DoesNotContain(cases.Select(c => c.Check).Where(c => c != check), error.Contains);
            messages.Add(error);
            await Task.Delay(600); // a few more attempts (backoff 100-400 ms)
            Assert.DoesNotContain(logs.Lines, l => l.Text.Contains("3.1.1"));
            Assert.Null(link.Counters.Protocol);
        }
        Assert.Equal(3, messages.Distinct().Count());
    }

    [Fact]
    public async Task A_broker_that_speaks_only_3_1_1_gets_the_fallback()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var front = new Mqtt311OnlyProxy(broker.Port);
        await using var link = await Links.StartedAsync(Links.Options(front.Port));
        Assert.Equal("3.1.1", link.Counters.Protocol);
        Assert.Equal(1, front.RefusedV5);
    }
}
