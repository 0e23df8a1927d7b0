using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Storyweave.Testing;

/// <summary>
/// Keeps the app's last warnings and errors in memory, so a test that fails on something the server did (a request
/// that never answered, a 503) can say what the server logged meanwhile: the console output of the app is not
/// shown by the test runner.
/// </summary>
public sealed class RecentLog : ILoggerProvider
{
    private const int Keep = 50;
    private readonly ConcurrentQueue<string> _entries = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public IReadOnlyList<string> Entries => [.. _entries];

    public void Dispose()
    {
    }

    private void Add(string entry)
    {
        _entries.Enqueue(entry);
        while (_entries.Count > Keep && _entries.TryDequeue(out _))
        {
        }
    }

    private sealed class Logger(RecentLog owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var text = $"{DateTime.UtcNow:HH:mm:ss.fff} {logLevel} {category}: {formatter(state, exception)}";
            if (exception is not null) text += $" ({exception.GetType().Name}: {exception.Message})";
            owner.Add(text);
        }
    }
}
