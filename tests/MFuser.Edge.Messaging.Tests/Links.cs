using MFuser.Edge.Messaging;

namespace MFuser.Edge.Messaging.Tests;

/// <summary>Link options for tests: loopback, a unique device id, fast reconnects.</summary>
internal static class Links
{
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    public static MqttLinkOptions Options(int port, string? deviceId = null) => new()
    {
        Host = "127.0.0.1",
        Port = port,
        DeviceId = deviceId ?? $"test-{Guid.NewGuid():N}"[..16],
        TopicPrefix = "mfuser-test",
        ReconnectMin = TimeSpan.FromMilliseconds(100),
        ReconnectMax = TimeSpan.FromMilliseconds(400),
        ConnectTimeout = TimeSpan.FromSeconds(3),
        KeepAlive = TimeSpan.FromSeconds(5),
    };

    public static async Task<MqttLink> StartedAsync(MqttLinkOptions options, bool waitConnected = true)
    {
        var link = new MqttLink(options);
        link.Start();
        if (waitConnected)
            Assert.True(await link.WaitConnectedAsync(Wait), $"not connected to {options.Host}:{options.Port} within {Wait}");
        return link;
    }

    /// <summary>Polls <paramref name="condition"/> until true; fails the test after <see cref="Wait"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Wait);
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
                Assert.Fail($"timed out waiting until: {what}");
            await Task.Delay(20);
        }
    }
}
