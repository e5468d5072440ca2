using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webmail.Testing;

/// <summary>Every log entry written through the loggers it is attached to, formatted, exception text included.</summary>
public sealed class CapturedLog : ILoggerProvider
{
    private readonly ConcurrentQueue<(LogLevel Level, string Category, string Message, Exception? Exception)> _entries = new();

    /// <summary>Level and formatted message of each entry, oldest first.</summary>
    public IReadOnlyList<(LogLevel Level, string Message)> Entries => _entries.Select(e => (e.Level, e.Message)).ToArray();

    /// <summary>The formatted messages, oldest first.</summary>
    public IReadOnlyList<string> Messages => _entries.Select(e => e.Message).ToArray();

    /// <summary>Each entry as one line: level, category, message and exception.</summary>
    public IReadOnlyList<string> Lines => _entries.Select(e => $"{e.Level} {e.Category}: {e.Message} {e.Exception}").ToArray();

    /// <summary>Adds the capture to a running server's logger factory (existing loggers pick it up too).</summary>
    public static CapturedLog AttachTo(IServiceProvider services)
    {
        var log = new CapturedLog();
        services.GetRequiredService<ILoggerFactory>().AddProvider(log);
        return log;
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner._entries.Enqueue((logLevel, category, formatter(state, exception), exception));
    }
}
