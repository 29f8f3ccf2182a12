using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Logging;

namespace MFuser.Edge.Web.Http;

/// <summary>Sends the web host's log lines (Kestrel, ASP.NET Core) to the daemon's logger factory, at most one line
/// per second for each category and event: a client can make Kestrel warn once per connection ("rejected because
/// the maximum number of concurrent connections has been reached"), and a script would otherwise fill the journal.
/// The next line that passes says how many were held back.</summary>
internal sealed class ForwardingLoggerProvider(ILoggerFactory target) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new RateLimitedLogger(target.CreateLogger(categoryName));

    public void Dispose()
    {
        // The daemon owns the target factory.
    }

    private sealed class RateLimitedLogger(ILogger inner) : ILogger
    {
        private readonly ConcurrentDictionary<int, Budget> _budgets = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            if (!inner.IsEnabled(logLevel))
                return;
            var budget = _budgets.GetOrAdd(eventId.Id, _ => new Budget());
            if (!budget.TryTake(out var heldBack))
                return;
            inner.Log(logLevel, eventId, state, exception, formatter);
            if (heldBack > 0)
                inner.Log(logLevel, eventId, "{HeldBack} more lines like the one above were held back (at most one per second)", heldBack);
        }
    }

    /// <summary>One line per second; counts the lines it refuses.</summary>
    private sealed class Budget
    {
        private long _next;
        private long _heldBack;

        public bool TryTake(out long heldBack)
        {
            var now = Stopwatch.GetTimestamp();
            var next = Interlocked.Read(ref _next);
            if (now < next || Interlocked.CompareExchange(ref _next, now + Stopwatch.Frequency, next) != next)
            {
                Interlocked.Increment(ref _heldBack);
                heldBack = 0;
                return false;
            }
            heldBack = Interlocked.Exchange(ref _heldBack, 0);
            return true;
        }
    }
}
