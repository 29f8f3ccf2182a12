using MFuser.Edge.Web.Http;
using MFuser.TestSupport;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Web.Tests.Http;

/// <summary>The web host's log lines reach the daemon's log at most once a second per event (a client can make
/// Kestrel warn once per connection).</summary>
public sealed class ForwardingLoggerProviderTests
{
    [Fact]
    public async Task A_flood_of_one_warning_is_one_line_a_second_and_says_how_many_were_held_back()
    {
        var log = new LogRecorder();
        using var provider = new ForwardingLoggerProvider(log);
        var kestrel = provider.CreateLogger("Microsoft.AspNetCore.Server.Kestrel");
        for (var i = 0; i < 1000; i++)
            kestrel.LogWarning(new EventId(21, "ConnectionRejected"), "Connection id {Id} rejected", i);
        kestrel.LogWarning(new EventId(22, "Other"), "another event passes on its own");
        Assert.Equal(["Connection id 0 rejected", "another event passes on its own"], log.Lines.Select(l => l.Text));

        await Task.Delay(TimeSpan.FromSeconds(1.2));
        kestrel.LogWarning(new EventId(21, "ConnectionRejected"), "Connection id {Id} rejected", 1000);
        Assert.Equal(["Connection id 1000 rejected", "999 more lines like the one above were held back (at most one per second)"],
            log.Lines.Skip(2).Select(l => l.Text));
    }
}
