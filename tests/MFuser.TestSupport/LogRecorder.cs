using Microsoft.Extensions.Logging;

namespace MFuser.TestSupport;

/// <summary>One log line as a <see cref="LogRecorder"/> captured it.</summary>
public sealed record LoggedLine(DateTime At, LogLevel Level, string Category, string Text)
{
    public override string ToString() => $"{At:HH:mm:ss.fff} {Level} {Category}: {Text}";
}

/// <summary>
/// An <see cref="ILoggerFactory"/> that keeps every line it is given, for asserting what a part logs (how many
/// warnings an outage produces, that a flood of bad input stays rate-limited). Optionally echoes each line to a test's
/// output. Thread-safe.
/// </summary>
public sealed class LogRecorder(Action<string>? echo = null) : ILoggerFactory
{
    private readonly List<LoggedLine> _lines = [];

    /// <summary>Every line so far, in order.</summary>
    public IReadOnlyList<LoggedLine> Lines
    {
        get
        {
            lock (_lines)
                return _lines.ToList();
        }
    }

    /// <summary>Lines at <paramref name="level"/> or above.</summary>
    public IReadOnlyList<LoggedLine> AtLeast(LogLevel level) => Lines.Where(l => l.Level >= level).ToList();

    /// <summary>A logger of category <typeparamref name="T"/>.</summary>
    public ILogger<T> For<T>() => new Recording<T>(this, typeof(T).Name);

    public ILogger CreateLogger(string categoryName) => new Recording<object>(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException("LogRecorder keeps lines itself");

    public void Dispose()
    {
    }

    private void Add(LoggedLine line)
    {
        lock (_lines)
            _lines.Add(line);
        try
        {
            echo?.Invoke(line.ToString());
        }
        catch (InvalidOperationException)
        {
            // xunit's output helper refuses lines after the test has ended
        }
    }

    private sealed class Recording<T>(LogRecorder owner, string category) : ILogger<T>
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LoggedLine(DateTime.UtcNow, logLevel, category, formatter(state, exception)));
    }
}
