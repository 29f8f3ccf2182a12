using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Web.Http;

/// <summary>Hands the host's loggers to the daemon's logger factory, so the console logs where the daemon logs while
/// the host's own filters (ASP.NET Core's per-request lines at Warning) still apply.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => target.CreateLogger(categoryName);

    public void Dispose()
    {
        // The daemon owns the target factory.
    }
}
